/* numa_helper: the guest side's small tools, one static binary built at
 * test time (the guest has only busybox).
 *
 *   numa_helper exit V
 *       Writes the byte V to qemu's isa-debug-exit port (0xf4): qemu exits
 *       with status (V << 1) | 1, so 0 -> 1 (all passed), 1 -> 3 (failed).
 *   numa_helper sets PREFIX FIRST COUNT SIZE CHAR
 *       Prints COUNT RESP "SET PREFIX:i <SIZE x CHAR>" commands, i from
 *       FIRST, for `redis-cli --pipe` (a busybox shell loop would take
 *       minutes under TCG).
 *   numa_helper gets PREFIX FIRST COUNT ROUNDS
 *       Prints ROUNDS x COUNT RESP "GET PREFIX:i" commands, for the same.
 *   numa_helper pages PID LO HI
 *       Sums the per-node page counts (N<k>=) of /proc/PID/numa_maps and
 *       prints, on one line:
 *         in_n0 in_n1 out_n0 out_n1 straddle
 *       in_*: lines whose mapping starts in [LO, HI) (hex, as INFO's
 *       nvm_range); out_*: private anonymous lines outside it (anon= and no
 *       file=: the DRAM side); straddle: lines that start before LO and run
 *       into the range (their pages cannot be attributed; the NVM range's own
 *       NUMA policy keeps the kernel from merging it with its neighbours).
 *       Nodes above 1 are added to neither column: this VM has two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

static int Exit(int v) {
  if (ioperm(0xf4, 4, 1) != 0) {
    perror("ioperm");
    return 2;
  }
  outb((unsigned char)v, 0xf4);
  return 2; /* not reached when the device exists */
}

static int Sets(const char* prefix, long first, long count, long size, char ch) {
  char* value = malloc(size);
  if (!value) return 1;
  memset(value, ch, size);
  char key[128];
  for (long i = first; i < first + count; i++) {
    int klen = snprintf(key, sizeof(key), "%s:%ld", prefix, i);
    printf("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%ld\r\n", klen, key, size);
    fwrite(value, 1, size, stdout);
    fputs("\r\n", stdout);
  }
  free(value);
  return 0;
}

static int Gets(const char* prefix, long first, long count, long rounds) {
  char key[128];
  for (long r = 0; r < rounds; r++) {
    for (long i = first; i < first + count; i++) {
      int klen = snprintf(key, sizeof(key), "%s:%ld", prefix, i);
      printf("*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", klen, key);
    }
  }
  return 0;
}

static void AddNodes(const char* line, unsigned long long* n0, unsigned long long* n1) {
  for (const char* p = line; (p = strstr(p, " N")) != NULL; p++) {
    int node;
    unsigned long long pages;
    if (sscanf(p, " N%d=%llu", &node, &pages) == 2) {
      if (node == 0) *n0 += pages;
      if (node == 1) *n1 += pages;
    }
  }
}

static int Pages(const char* pid, const char* lo_hex, const char* hi_hex) {
  unsigned long long lo = strtoull(lo_hex, NULL, 16), hi = strtoull(hi_hex, NULL, 16);
  char path[64];
  snprintf(path, sizeof(path), "/proc/%s/numa_maps", pid);
  FILE* f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 1;
  }
  /* Lines are in address order; a mapping ends at or before the next
   * line's start, so a line before LO straddles into the range iff the
   * next line starts after LO while it starts below. Keep one line back. */
  static char line[8192], prev[8192];
  unsigned long long in0 = 0, in1 = 0, out0 = 0, out1 = 0, prev_start = 0;
  int straddle = 0, have_prev = 0;
  while (fgets(line, sizeof(line), f)) {
    unsigned long long start = strtoull(line, NULL, 16);
    if (have_prev && prev_start < lo && start > lo && strstr(prev, " N")) straddle++;
    if (start >= lo && start < hi) {
      AddNodes(line, &in0, &in1);
    } else if (strstr(line, " anon=") && !strstr(line, " file=")) {
      AddNodes(line, &out0, &out1);
    }
    strcpy(prev, line);
    prev_start = start;
    have_prev = 1;
  }
  fclose(f);
  printf("%llu %llu %llu %llu %d\n", in0, in1, out0, out1, straddle);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "exit") == 0) return Exit(atoi(argv[2]));
  if (argc == 7 && strcmp(argv[1], "sets") == 0)
    return Sets(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]), argv[6][0]);
  if (argc == 6 && strcmp(argv[1], "gets") == 0) return Gets(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
  if (argc == 5 && strcmp(argv[1], "pages") == 0) return Pages(argv[2], argv[3], argv[4]);
  fprintf(stderr, "usage: numa_helper exit V | sets PREFIX FIRST COUNT SIZE CHAR | gets PREFIX FIRST COUNT ROUNDS | pages PID LO HI\n");
  return 2;
}
