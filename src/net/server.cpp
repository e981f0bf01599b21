#include "net/server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <thread>

#include "limits/client_address.hpp"
#include "net/client_admission.hpp"
#include "net/http_session.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {

using boost::asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto kFilePollPeriod = std::chrono::seconds(1);
constexpr auto kDrainPollPeriod = std::chrono::milliseconds(50);

bool same_file_state(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

bool split_host_port(const std::string& listen, std::string& host, std::string& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  host = listen.substr(0, colon);
  port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return !host.empty();
}
}  // namespace

Server::Server(SettingsStore& settings, const Router& router, WorkerPool& workers, Environment env,
               std::unique_ptr<boost::asio::ssl::context> tls)
    : settings_(settings),
      env_(std::move(env)),
      tls_(std::move(tls)),
      ctx_{settings, router},
      workers_(workers) {
  auto s = settings_.get();
  ctx_.origin_log.set_interval(s->config.log.rejection_interval);
  if (!s->config.path.empty()) stat(s->config.path.c_str(), &file_stat_);
}

Server::~Server() {
  workers_.stop_and_join();
}

bool Server::bind(const std::string& listen, std::string& error) {
  std::string host, port;
  if (!split_host_port(listen, host, port)) {
    error = "listen address \"" + listen + "\" is not host:port";
    return false;
  }
  error_code ec;
  tcp::resolver resolver(main_);
  auto results =
      resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    error = "cannot resolve listen address \"" + listen + "\": " + ec.message();
    return false;
  }
  tcp::endpoint ep = results.begin()->endpoint();
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + listen + ": " + ec.message();
    return false;
  }
  return true;
}

unsigned short Server::port() const {
  error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

int Server::run() {
  workers_.start();
  wait_signals();
  watch_config_file();
  accept_next();
  log::info("voxgate listening", {{"address", acceptor_.local_endpoint().address().to_string()},
                                  {"port", port()},
                                  {"tls", tls_ != nullptr},
                                  {"workers", workers_.size()},
                                  {"origins", settings_.get()->origins.size()}});
  main_.run();
  workers_.stop_and_join();
  log::info("voxgate stopped");
  return 0;
}

void Server::accept_next() {
  Worker& worker = workers_.at(next_worker_);
  next_worker_ = (next_worker_ + 1) % workers_.size();
  acceptor_.async_accept(worker.context(), [this, &worker](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket), worker);
  });
}

void Server::on_accept(error_code ec, tcp::socket socket, Worker& worker) {
  if (stopping_) return;
  if (ec) {
    // Out of file descriptors and the like: back off instead of spinning on the error.
    log::error("accept failed", {{"error", ec.message()}});
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](error_code e) {
      if (!e && !stopping_) accept_next();
    });
    return;
  }
  auto settings = settings_.get();
  if (ctx_.open_connections.load() >= settings->config.limits.max_connections) {
    refuse_over_limit(socket);
    return accept_next();
  }
  // Counted here, not on the worker, so the limits hold for connections still in flight.
  ConnectionSlot slot(ctx_);
  error_code peer_error;
  auto peer = socket.remote_endpoint(peer_error);
  // A trusted proxy's connections are counted under the client it names, once its request is read.
  if (!peer_error && !settings->proxies.contains(peer.address())) {
    std::string client = client_key(peer.address());
    auto admitted = admit_client(ctx_, client, settings->config.limits, SteadyClock::now());
    if (auto* refusal = std::get_if<LimitRefusal>(&admitted)) {
      refuse_client(socket, *refusal);
      return accept_next();
    }
    slot.hold_client(std::move(std::get<KeyedCounter::Slot>(admitted)));
  }
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  // The socket belongs to the worker's context: the session must start on that thread.
  boost::asio::post(worker.context(),
                    [this, &worker, s = std::move(socket), slot = std::move(slot)]() mutable {
                      start_http_session(std::move(s), std::move(slot), ctx_, worker, tls_.get());
                    });
  accept_next();
}

void Server::refuse_client(tcp::socket& socket, const LimitRefusal& refusal) {
  error_code ignored;
  // Plain HTTP before the request is read; a TLS client would only see bytes it cannot decode.
  if (!tls_) {
    std::string answer = raw_http_refusal(refusal);
    socket.non_blocking(true, ignored);
    socket.write_some(boost::asio::buffer(answer), ignored);
  }
  socket.close(ignored);
}

void Server::refuse_over_limit(tcp::socket& socket) {
  metrics().connections_rejected.with({"max_connections"}).inc();
  std::uint64_t suppressed = 0;
  if (ctx_.origin_log.allow("max_connections", SteadyClock::now(), suppressed))
    log::warn(
        "connection refused: [limits].max_connections reached",
        {{"limit", settings_.get()->config.limits.max_connections}, {"suppressed", suppressed}});
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 34\r\nConnection: close\r\n\r\nvoxgate is at its connection limit\n";
  error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(boost::asio::buffer(kBusy.data(), kBusy.size()), ignored);
  socket.close(ignored);
}

void Server::wait_signals() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.add(SIGHUP);
  signals_.async_wait([this](error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload("SIGHUP");
    } else if (stopping_) {
      log::warn("second stop signal: exiting now", {{"signal", sig}});
      std::_Exit(1);
    } else {
      begin_shutdown(sig);
    }
    wait_signals();
  });
}

void Server::watch_config_file() {
  const std::string& path = settings_.get()->config.path;
  if (path.empty()) return;
  file_timer_.expires_after(kFilePollPeriod);
  file_timer_.async_wait([this](error_code ec) {
    if (ec || stopping_) return;
    struct stat now {};
    const std::string& p = settings_.get()->config.path;
    if (stat(p.c_str(), &now) == 0 && !same_file_state(now, file_stat_)) {
      file_stat_ = now;
      reload("file changed");
    }
    watch_config_file();
  });
}

void Server::reload(const char* why) {
  auto old = settings_.get();
  if (!old->config.path.empty()) stat(old->config.path.c_str(), &file_stat_);
  SettingsLoad next = load_settings(old->config.path, env_);
  if (!next.settings) {
    metrics().config_reloads.with({"refused"}).inc();
    boost::json::array errors;
    for (auto& e : next.errors) errors.emplace_back(e);
    log::error("config reload refused; the previous config stays in force",
               {{"trigger", why}, {"path", old->config.path}, {"errors", std::move(errors)}});
    return;
  }
  for (auto& w : next.warnings) log::warn(w, {{"trigger", why}});
  const auto& a = old->config.server;
  const auto& b = next.settings->config.server;
  if (a.listen != b.listen || a.threads != b.threads || a.tls_cert != b.tls_cert ||
      a.tls_key != b.tls_key)
    log::warn("[server] settings changed; they take effect at the next restart",
              {{"trigger", why}});
  log::Level level;
  if (log::parse_level(next.settings->config.log.level, level)) log::set_level(level);
  ctx_.origin_log.set_interval(next.settings->config.log.rejection_interval);
  settings_.set(next.settings);
  if (reload_hook_) reload_hook_(*next.settings);
  metrics().config_reloads.with({"applied"}).inc();
  log::info(
      "config reloaded",
      {{"trigger", why}, {"path", old->config.path}, {"origins", next.settings->origins.size()}});
}

void Server::begin_shutdown(int sig) {
  stopping_ = true;
  ctx_.stopping.store(true);
  auto grace = settings_.get()->config.limits.shutdown_grace;
  log::info("shutting down: closing WebSockets 1001, finishing HTTP requests",
            {{"signal", sig},
             {"open_connections", ctx_.open_connections.load()},
             {"grace_ms", grace.count()}});
  error_code ignored;
  acceptor_.close(ignored);
  file_timer_.cancel();
  accept_retry_.cancel();
  for (std::size_t i = 0; i < workers_.size(); ++i) workers_.at(i).shutdown_sessions();
  drain_deadline_ = SteadyClock::now() + grace;
  wait_for_drain();
}

void Server::wait_for_drain() {
  if (ctx_.open_connections.load() == 0 || SteadyClock::now() >= drain_deadline_) {
    auto left = ctx_.open_connections.load();
    if (left) log::warn("grace period over; dropping connections", {{"open_connections", left}});
    signals_.cancel();
    main_.stop();
    return;
  }
  drain_timer_.expires_after(kDrainPollPeriod);
  drain_timer_.async_wait([this](error_code ec) {
    if (!ec) wait_for_drain();
  });
}

}  // namespace voxgate
