// NatsBroker against a real nats-server that each test starts on a free loopback port. The
// garbage publisher uses the plain nats.c API, not the broker's own code.

#include "live/nats_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "delivery_checks.hpp"
#include "live/broker_wire.hpp"

extern char** environ;

namespace voxgate {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// How long anything may take before a test gives up; never a measure of what it took.
constexpr auto kPatience = 10s;

bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string find_nats_server() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');) dirs.push_back(dir);
  }
  dirs.insert(dirs.end(), {"/usr/bin", "/usr/sbin", "/usr/local/bin"});  // Debian: /usr/sbin
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/nats-server";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// One nats-server process on 127.0.0.1; stopped and started again on the same port.
class NatsServer {
 public:
  NatsServer(std::string binary, fs::path dir)
      : binary_(std::move(binary)),
        log_((dir / "nats.log").string()),
        port_(free_loopback_port()) {}
  ~NatsServer() { stop(); }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  void start() {
    ASSERT_EQ(pid_, -1) << "already running";
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {binary_, "-a", "127.0.0.1", "-p", port};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&files, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, binary_.c_str(), &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    ASSERT_EQ(rc, 0) << "cannot run " << binary_ << ": " << std::strerror(rc);
    pid_ = pid;
    const bool up = eventually([&] {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return true;  // exited: reported below
      }
      return accepts(port_);
    });
    ASSERT_TRUE(up && pid_ != -1) << "nats-server did not start on port " << port_ << ":\n"
                                  << log_tail();
  }

  void stop() {
    if (pid_ == -1) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; })) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

  std::string log_tail() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
  }

 private:
  std::string binary_;
  std::string log_;
  int port_;
  pid_t pid_ = -1;
};

// What a broker reported, from NATS's threads.
class Recorder {
 public:
  BrokerEvents events() {
    return {[this](DeliveryBatch batch) {
              std::lock_guard lock(mu_);
              ++batches_;
              events_.insert(events_.end(), batch->begin(), batch->end());
              cv_.notify_all();
            },
            [this] {
              std::lock_guard lock(mu_);
              ++resyncs_;
              cv_.notify_all();
            }};
  }

  bool wait_for_events(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return events_.size() >= n; });
  }
  bool wait_for_resync() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return resyncs_ > 0; });
  }

  std::vector<Delivery> received() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::size_t batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::size_t resyncs() {
    std::lock_guard lock(mu_);
    return resyncs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Delivery> events_;
  std::size_t batches_ = 0;
  std::size_t resyncs_ = 0;
};

DeliveryBatch batch_of(std::vector<Delivery> events) {
  return std::make_shared<const std::vector<Delivery>>(std::move(events));
}

class NatsBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string binary = find_nats_server();
    ASSERT_FALSE(binary.empty())
        << "nats-server is not installed (looked in PATH, /usr/bin, /usr/sbin): run "
           "bash scripts/setup.sh --test";
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("voxgate_nats_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    server_ = std::make_unique<NatsServer>(binary, dir_);
    ASSERT_NE(server_->port(), 0) << "no free loopback port";
    server_->start();
  }

  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  NatsBrokerSettings settings(std::string node_id) const {
    NatsBrokerSettings s;
    s.url = server_->url();
    s.node_id = std::move(node_id);
    s.reconnect_wait = 100ms;
    s.connect_timeout = 2000ms;
    return s;
  }

  std::unique_ptr<NatsBroker> started_broker(std::string node_id, Recorder& recorder) {
    std::string error;
    auto broker = NatsBroker::connect(settings(std::move(node_id)), error);
    EXPECT_TRUE(broker) << error;
    if (broker) broker->start(recorder.events());
    return broker;
  }

  // Publishes raw bytes on the broker subject with the plain nats.c API, flushed to the server.
  void publish_raw(const std::string& bytes) {
    natsConnection* nc = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&nc, server_->url().c_str()), NATS_OK);
    EXPECT_EQ(
        natsConnection_Publish(nc, "voxgate.events", bytes.data(), static_cast<int>(bytes.size())),
        NATS_OK);
    EXPECT_EQ(natsConnection_FlushTimeout(nc, 5000), NATS_OK);
    natsConnection_Destroy(nc);
  }

  fs::path dir_;
  std::unique_ptr<NatsServer> server_;
};

const std::string kBinary("{\"t\":\"x\"}\0\xff\x80\r\n", 14);

TEST_F(NatsBrokerTest, SharesEventsWithTheOtherNodeOnly) {
  Recorder a_got, b_got;  // outlive the brokers that call them
  auto a = started_broker("node-a", a_got);
  auto b = started_broker("node-b", b_got);
  ASSERT_TRUE(a && b);

  const std::vector<Delivery> from_a = {
      event("org-1", "", 1, R"({"type":"call_status"})"), event("org-1", "user-9", 2, kBinary),
      event("org-2", "user-1", 0xFFFFFFFFFFFFull, ""), event("org-1", "", 3, "third")};
  a->share(batch_of(from_a));
  ASSERT_TRUE(b_got.wait_for_events(from_a.size()));
  expect_same(b_got.received(), from_a);

  // B's answer reaches A after anything A could have got back from its own share.
  const std::vector<Delivery> from_b = {event("org-3", "u", 7, "from b")};
  b->share(batch_of(from_b));
  ASSERT_TRUE(a_got.wait_for_events(from_b.size()));
  expect_same(a_got.received(), from_b);
  expect_same(b_got.received(), from_a);
}

TEST_F(NatsBrokerTest, ABatchOverMaxPayloadArrivesCompleteAndInOrder) {
  Recorder a_got, b_got;
  auto a = started_broker("node-a", a_got);
  auto b = started_broker("node-b", b_got);
  ASSERT_TRUE(a && b);

  std::vector<Delivery> big;  // about 3 MiB against the server's 1 MiB max_payload
  for (std::uint64_t seq = 1; seq <= 3000; ++seq)
    big.push_back(event("org-" + std::to_string(seq % 4), seq % 3 ? "" : "user", seq,
                        std::string(1024, static_cast<char>('a' + seq % 26))));
  a->share(batch_of(big));
  ASSERT_TRUE(b_got.wait_for_events(big.size())) << b_got.received().size() << " arrived";
  expect_same(b_got.received(), big);
  EXPECT_GE(b_got.batches(), 3u);
}

TEST_F(NatsBrokerTest, GarbageOnTheSubjectIsDroppedAndLaterEventsArrive) {
  Recorder a_got, b_got;
  auto a = started_broker("node-a", a_got);
  auto b = started_broker("node-b", b_got);
  ASSERT_TRUE(a && b);

  const std::string valid = encode_broker_message("node-x", std::vector{event("o", "", 1, "p")});
  publish_raw("not a broker message");
  publish_raw("");
  publish_raw(valid.substr(0, valid.size() - 1));
  publish_raw(valid + "trailing");
  publish_raw(std::string("VXB1\xff\xff\xff\xff", 8));

  const std::vector<Delivery> good = {event("org-1", "", 42, "after the garbage")};
  a->share(batch_of(good));
  ASSERT_TRUE(b_got.wait_for_events(good.size()));
  expect_same(b_got.received(), good);
  EXPECT_EQ(b_got.batches(), 1u);
}

TEST_F(NatsBrokerTest, HealthFollowsTheServerAndReconnectResyncs) {
  Recorder a_got, b_got;
  auto a = started_broker("node-a", a_got);
  auto b = started_broker("node-b", b_got);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->name(), "nats");
  EXPECT_TRUE(a->healthy());
  EXPECT_EQ(a->status(), "connected");

  server_->stop();
  EXPECT_TRUE(eventually([&] { return !a->healthy() && !b->healthy(); }));
  EXPECT_EQ(a->status(), "reconnecting");
  EXPECT_EQ(b->status(), "reconnecting");
  EXPECT_EQ(b_got.resyncs(), 0u);

  server_->start();
  EXPECT_TRUE(eventually([&] { return a->healthy() && b->healthy(); })) << b->status();
  EXPECT_EQ(b->status(), "connected");
  ASSERT_TRUE(b_got.wait_for_resync());
  ASSERT_TRUE(a_got.wait_for_resync());

  const std::vector<Delivery> after = {event("org-1", "", 5, "after the restart")};
  a->share(batch_of(after));
  ASSERT_TRUE(b_got.wait_for_events(after.size()));
  expect_same(b_got.received(), after);
}

TEST_F(NatsBrokerTest, StartsWhileTheServerIsDownAndConnectsWhenItComesUp) {
  server_->stop();
  Recorder late_got, b_got;
  std::string error;
  auto late = NatsBroker::connect(settings("node-late"), error);
  ASSERT_TRUE(late) << error;
  late->start(late_got.events());
  EXPECT_FALSE(late->healthy());
  EXPECT_EQ(late->status(), "connecting");

  server_->start();
  EXPECT_TRUE(eventually([&] { return late->healthy(); })) << late->status();
  EXPECT_TRUE(late_got.wait_for_resync());

  auto b = started_broker("node-b", b_got);
  ASSERT_TRUE(b);
  const std::vector<Delivery> from_b = {event("org-1", "", 1, "to the late node")};
  b->share(batch_of(from_b));
  ASSERT_TRUE(late_got.wait_for_events(from_b.size()));
  expect_same(late_got.received(), from_b);

  const std::vector<Delivery> from_late = {event("org-1", "u", 2, "from the late node")};
  late->share(batch_of(from_late));
  ASSERT_TRUE(b_got.wait_for_events(from_late.size()));
  expect_same(b_got.received(), from_late);
}

TEST_F(NatsBrokerTest, DestroyedBeforeTheServerEverCameUp) {
  server_->stop();
  Recorder got;
  std::string error;
  auto broker = NatsBroker::connect(settings("node-a"), error);
  ASSERT_TRUE(broker) << error;
  broker->start(got.events());
  broker->share(batch_of({event("o", "", 1, "buffered, never sent")}));
  broker.reset();  // returns although nats.c is still trying to connect
  EXPECT_EQ(got.resyncs(), 0u);
}

TEST_F(NatsBrokerTest, DestroyedWhileMessagesAreArriving) {
  Recorder a_got;
  std::atomic<int> delivered{0};
  auto a = started_broker("node-a", a_got);
  ASSERT_TRUE(a);
  {
    std::string error;
    auto b = NatsBroker::connect(settings("node-b"), error);
    ASSERT_TRUE(b) << error;
    b->start({[&](DeliveryBatch) {
                ++delivered;
                std::this_thread::sleep_for(1ms);  // still inside the callback when b goes away
              },
              [] {}});
    for (std::uint64_t seq = 1; seq <= 500; ++seq) a->share(batch_of({event("o", "", seq, "x")}));
    EXPECT_TRUE(eventually([&] { return delivered > 0; }));
  }  // b's destructor runs while messages keep arriving
  const int seen = delivered;
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(delivered, seen) << "a callback ran after the broker was destroyed";
}

TEST_F(NatsBrokerTest, AMalformedUrlIsRefusedByName) {
  const std::string good = server_->url();
  for (const std::string& url : std::vector<std::string>{
           "nats://127.0.0.1:notaport", "nats://127.0.0.1:99999999", "nats://127.0.0.1:0",
           "nats://:4222", "127.0.0.1:4222", "garbage", "http://127.0.0.1:4222",
           "nats://127.0.0.1:4222/path", "nats://[::1:4222", good + ",nats://127.0.0.1:x"}) {
    NatsBrokerSettings s = settings("node-a");
    s.url = url;
    std::string error;
    EXPECT_EQ(NatsBroker::connect(s, error), nullptr) << url;
    EXPECT_NE(error.find(url), std::string::npos) << error;
  }
}

TEST_F(NatsBrokerTest, AcceptsAListOfUrls) {
  NatsBrokerSettings s = settings("node-a");
  s.url = server_->url() + ", " + server_->url() + "/";
  std::string error;
  auto broker = NatsBroker::connect(s, error);
  ASSERT_TRUE(broker) << error;
  EXPECT_TRUE(eventually([&] { return broker->healthy(); }));
}

TEST_F(NatsBrokerTest, ErrorsDoNotShowCredentials) {
  NatsBrokerSettings s = settings("node-a");
  s.url = "nats://alice:s3cret@127.0.0.1:notaport";
  std::string error;
  EXPECT_EQ(NatsBroker::connect(s, error), nullptr);
  EXPECT_NE(error.find("nats://127.0.0.1:notaport"), std::string::npos) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST_F(NatsBrokerTest, SettingsThatCannotWorkAreRefused) {
  std::string error;
  NatsBrokerSettings no_node = settings("");
  EXPECT_EQ(NatsBroker::connect(no_node, error), nullptr);
  EXPECT_NE(error.find("node id"), std::string::npos) << error;

  NatsBrokerSettings wildcard = settings("node-a");
  wildcard.subject = "voxgate.*";
  EXPECT_EQ(NatsBroker::connect(wildcard, error), nullptr);
  EXPECT_NE(error.find("voxgate.*"), std::string::npos) << error;
}

}  // namespace
}  // namespace voxgate
