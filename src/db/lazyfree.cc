// Lazy free: see lazyfree.h.
#include "db/lazyfree.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace db::lazyfree {
namespace {

// One job: a value, or a keyspace's two dicts.
struct Job {
  object::Object* obj = nullptr;
  ds::Dict* dict = nullptr;
  ds::Dict* expires = nullptr;
  size_t objects = 0;  // what it adds to the pending count
};

class Worker {
 public:
  void Push(const Job& job) {
    pending_.fetch_add(job.objects, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!started_) {
        // Started on first use, so a server that never frees lazily (and
        // every unit test) runs no extra thread.
        std::thread(&Worker::Run, this).detach();
        started_ = true;
      }
      jobs_.push_back(job);
    }
    wake_.notify_one();
  }

  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return jobs_.empty() && !busy_; });
  }

  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetFreed() { freed_.store(0, std::memory_order_relaxed); }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return !jobs_.empty(); });
      Job job = jobs_.front();
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      Free(job);
      pending_.fetch_sub(job.objects, std::memory_order_relaxed);
      freed_.fetch_add(job.objects, std::memory_order_relaxed);
      lock.lock();
      busy_ = false;
      if (jobs_.empty()) idle_.notify_all();
    }
  }

  static void Free(const Job& job) {
    if (job.obj != nullptr) object::DecrRef(job.obj);
    // The expires dict borrows the keys of the main dict: it goes first.
    delete job.expires;
    delete job.dict;
  }

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Job> jobs_;
  bool started_ = false;
  bool busy_ = false;
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
};

// Never destroyed: the thread may still be freeing at exit.
Worker& TheWorker() {
  static Worker* w = new Worker();
  return *w;
}

}  // namespace

bool WorthIt(const object::Object* o) { return object::FreeEffort(o) > kThreshold; }

void FreeObject(object::Object* o) {
  if (o->refcount == 1 && WorthIt(o)) {
    TheWorker().Push(Job{o, nullptr, nullptr, 1});
    return;
  }
  object::DecrRef(o);
}

void FreeKeyspace(std::unique_ptr<ds::Dict> dict, std::unique_ptr<ds::Dict> expires) {
  const size_t keys = dict->size();
  TheWorker().Push(Job{nullptr, dict.release(), expires.release(), keys});
}

size_t PendingObjects() { return TheWorker().pending(); }
uint64_t FreedObjects() { return TheWorker().freed(); }
void Drain() { TheWorker().Drain(); }
void ResetStats() { TheWorker().ResetFreed(); }

}  // namespace db::lazyfree
