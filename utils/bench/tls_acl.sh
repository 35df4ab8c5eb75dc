#!/bin/sh
# GET/SET over TLS, ours against Debian's redis-server 7.0 (both with the
# same certificates, client certificates required), and the cost of ACL
# checks: the same GET/SET as a user with 10 key patterns and categories
# against the default user (plain port, ours). Bounded: N requests per run.
#
#   utils/bench/tls_acl.sh [N]        (default N=200000)
#
# Prints requests per second and the ratios. Loopback only; every server it
# starts is stopped by pid at exit.
set -eu
N=${1:-200000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OURS=$ROOT/src/redis-server
REDIS=/usr/bin/redis-server
D=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$D"; }
trap cleanup EXIT

cd "$D"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ca >/dev/null 2>&1
for n in server client; do
  openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=$n >/dev/null 2>&1
  openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt -days 2 >/dev/null 2>&1
done
TLSCLI="--tls --cacert ca.crt --cert client.crt --key client.key"

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # binary plain-port tls-port
  "$1" --port "$2" --tls-port "$3" --tls-cert-file server.crt --tls-key-file server.key \
       --tls-ca-cert-file ca.crt --save "" --appendonly no --bind 127.0.0.1 --dir "$D" \
       --logfile "$D/$2.log" &
  PIDS="$PIDS $!"
  for _ in $(seq 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "server $1 did not start" >&2; exit 1
}
rps() {  # redis-benchmark args...: prints "set get"
  redis-benchmark "$@" -n "$N" -c 50 -P 16 -t set,get -q 2>/dev/null | tr '\r' '\n' |
    awk '/^SET:/{s=$2} /^GET:/{g=$2} END{print s, g}'
}

P1=$(port); T1=$(port); start "$OURS" "$P1" "$T1"
P2=$(port); T2=$(port); start "$REDIS" "$P2" "$T2"

set -- $(rps -p "$T1" $TLSCLI); OS=$1; OG=$2
set -- $(rps -p "$T2" $TLSCLI); RS=$1; RG=$2
echo "TLS  SET: tieredis $OS rps, redis $RS rps, ratio $(echo "$OS $RS" | awk '{printf "%.2f", $1/$2}')"
echo "TLS  GET: tieredis $OG rps, redis $RG rps, ratio $(echo "$OG $RG" | awk '{printf "%.2f", $1/$2}')"

# ACL cost: 10 key patterns (the one that matches last) and categories.
redis-cli -p "$P1" ACL SETUSER bench on '>pw' '~a*' '~b*' '~c*' '~d*' '~e*' '~f*' '~g*' '~h*' '~i*' '~key:*' \
  +@read +@write +@string -@dangerous +ping +config >/dev/null
set -- $(rps -p "$P1"); DS=$1; DG=$2
set -- $(rps -p "$P1" --user bench -a pw); US=$1; UG=$2
echo "ACL  SET: default $DS rps, 10-pattern user $US rps, ratio $(echo "$US $DS" | awk '{printf "%.2f", $1/$2}')"
echo "ACL  GET: default $DG rps, 10-pattern user $UG rps, ratio $(echo "$UG $DG" | awk '{printf "%.2f", $1/$2}')"
