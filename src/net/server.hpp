#pragma once
// The gateway process: one listening port for HTTP and WebSocket, one worker per core,
// reload on SIGHUP or file change, graceful stop on SIGTERM/SIGINT.

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "limits/limit_refusal.hpp"
#include "net/server_context.hpp"
#include "net/worker.hpp"

namespace voxgate {

class Server {
 public:
  Server(SettingsStore& settings, const Router& router, WorkerPool& workers, Environment env,
         std::unique_ptr<boost::asio::ssl::context> tls);
  ~Server();

  // Binds `listen` ("host:port"); returns false with `error` set when it cannot.
  bool bind(const std::string& listen, std::string& error);
  // Serves until stopped; returns the process exit status.
  int run();

  unsigned short port() const;

  // Called after a reload is applied, for parts that copy settings (e.g. history retention).
  void on_reload(std::function<void(const Settings&)> hook) { reload_hook_ = std::move(hook); }

 private:
  void accept_next();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket, Worker& worker);
  void refuse_over_limit(boost::asio::ip::tcp::socket& socket);
  void refuse_client(boost::asio::ip::tcp::socket& socket, const LimitRefusal& refusal);
  void wait_signals();
  void watch_config_file();
  void reload(const char* why);
  void begin_shutdown(int signal);
  void wait_for_drain();

  SettingsStore& settings_;
  Environment env_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  ServerContext ctx_;
  boost::asio::io_context main_{1};
  boost::asio::ip::tcp::acceptor acceptor_{main_};
  boost::asio::signal_set signals_{main_};
  boost::asio::steady_timer file_timer_{main_};
  boost::asio::steady_timer drain_timer_{main_};
  boost::asio::steady_timer accept_retry_{main_};
  WorkerPool& workers_;
  std::size_t next_worker_ = 0;
  SteadyTime drain_deadline_{};
  struct stat file_stat_ {};
  std::function<void(const Settings&)> reload_hook_;
  bool stopping_ = false;
};

}  // namespace voxgate
