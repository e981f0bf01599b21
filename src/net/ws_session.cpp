#include "net/ws_session.hpp"

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <span>
#include <vector>

#include "net/streams.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_handshake.hpp"
#include "ops/log.hpp"
#include "ops/metrics.hpp"

namespace voxgate {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// A peer that never answers our close frame is cut after this long.
constexpr auto kCloseHandshakeTimeout = std::chrono::seconds(5);
// Frames per vectored write: each takes two iovecs, and Asio passes at most 64.
constexpr std::size_t kFramesPerWrite = 32;
// One read takes at most this much; a worker's other connections get their turn after
// kReadsPerTurn reads.
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr int kReadsPerTurn = 4;
// Queue storage above this many frames is given back once a burst has drained.
constexpr std::size_t kIdleQueueCapacity = 16;

struct CorkState {
  int depth = 0;
  std::vector<std::shared_ptr<WsConnection>> pending;
};
thread_local CorkState t_cork;

// One read buffer per worker thread: an idle connection holds none of its own.
char* read_scratch() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}

// A random share of the ping interval: connections opened together (a deploy, a reconnect
// storm) then ping at spread-out times instead of all in the same sweep.
SteadyClock::duration ping_phase(Millis interval) {
  thread_local std::minstd_rand random{std::random_device{}()};
  if (interval.count() <= 0) return {};
  return Millis(std::uniform_int_distribution<std::int64_t>(0, interval.count() - 1)(random));
}

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

template <class T>
void release_if_large(std::vector<T>& v) {
  if (v.capacity() > kIdleQueueCapacity) std::vector<T>().swap(v);
}

template <class Stream>
class WsSession final : public WsConnection, public Session, private ws::FrameSink {
 public:
  WsSession(Stream stream, ServerContext& ctx, const WsRoute& route, SettingsPtr settings,
            ConnectionSlot slot, ConnectionInfo info, std::size_t worker)
      : stream_(std::move(stream)),
        ctx_(ctx),
        slot_(std::move(slot)),
        open_gauge_(metrics().connections_open.with({route.name})),
        parser_(settings->config.limits.ws_message_bytes) {
    info_ = std::move(info);
    settings_ = std::move(settings);
    worker_ = worker;
    handler_ = route.make_handler(info_.path);
  }

  ~WsSession() override { open_gauge_.add(-1); }

  void start(std::string_view client_key, std::string leftover) {
    if constexpr (!is_tls_v<Stream>) {
      error_code ignored;
      stream_.non_blocking(true, ignored);  // reads and writes are tried before waiting
    }
    open_gauge_.add(1);
    last_rx_ = SteadyClock::now();
    last_ping_ = last_rx_ - ping_phase(settings_->config.live.ping_interval);
    metrics().upgrades_accepted.with({info_.route}).inc();
    log::debug("upgrade successful", {{"pathname", info_.path}, {"route", info_.route}});
    log::info(
        "Client connected",
        {{"remoteAddress", info_.remote}, {"origin", info_.origin}, {"pathname", info_.path}});
    {
      SendBatch batch;  // the 101 and the handler's first frames leave in one write
      enqueue(std::make_shared<const std::string>(ws::switching_protocols_response(client_key)),
              std::nullopt);
      if (ctx_.stopping.load())
        close(1001, "Going Away");
      else
        handler_->on_open(*this);
      if (!leftover.empty()) feed(leftover.data(), leftover.size());
    }
    if (!finished_) read_next();
  }

  void send(SharedPayload payload, bool binary) override {
    if (closing_ || finished_) return;
    enqueue(std::move(payload), binary ? ws::Opcode::binary : ws::Opcode::text);
  }

  void close(std::uint16_t code, std::string_view reason) override {
    if (closing_ || finished_) return;
    closing_ = true;
    metrics().ws_closes.with({info_.route, std::to_string(code)}).inc();
    // A close is immediate: frames not yet handed to the socket are dropped, but not the
    // handshake response that must precede it.
    std::size_t keep = head_;
    while (keep < queue_.size() && queue_[keep].header_size == 0) ++keep;
    for (std::size_t i = keep; i < queue_.size(); ++i) queued_bytes_ -= queue_[i].payload->size();
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(keep), queue_.end());
    send_close(ws::close_payload(code, reason));
  }

  std::size_t queued_bytes() const override { return queued_bytes_; }
  asio::any_io_executor executor() override { return stream_.get_executor(); }

  void flush() override {
    deferred_ = false;
    if (!writing_) write_now();
  }

  void on_sweep(SteadyTime now) override {
    if (finished_) return;
    if (deadline_ != SteadyTime{} && now >= deadline_) return finish();
    if (closing_) return;
    const auto& live = settings_->config.live;
    if (now - last_rx_ >= live.idle_timeout) return close(1001, "idle timeout");
    if (now - last_ping_ >= live.ping_interval) {
      last_ping_ = now;
      enqueue(empty_payload(), ws::Opcode::ping);
    }
    handler_->on_sweep(*this, now);
  }

  void on_shutdown() override { close(1001, "Going Away"); }

 private:
  struct Outgoing {
    SharedPayload payload;
    std::array<unsigned char, ws::kMaxHeaderBytes> header;
    std::uint8_t header_size;  // 0 for raw bytes: the handshake response

    std::size_t size() const { return header_size + payload->size(); }
  };

  static const SharedPayload& empty_payload() {
    static const SharedPayload empty = std::make_shared<const std::string>();
    return empty;
  }

  std::shared_ptr<WsSession> self() {
    return std::static_pointer_cast<WsSession>(shared_from_this());
  }

  // `op` empty: raw bytes without a frame header.
  void enqueue(SharedPayload payload, std::optional<ws::Opcode> op) {
    if (finished_) return;
    Outgoing out{std::move(payload), {}, 0};
    if (op)
      out.header_size =
          static_cast<std::uint8_t>(ws::encode_header(*op, out.payload->size(), out.header.data()));
    queued_bytes_ += out.payload->size();
    queue_.push_back(std::move(out));
    if (writing_ || deferred_) return;
    if (SendBatch::active()) {
      deferred_ = true;
      return SendBatch::defer(shared_from_this());
    }
    write_now();
  }

  void send_close(std::string payload) {
    close_sent_ = true;
    deadline_ = SteadyClock::now() + kCloseHandshakeTimeout;
    enqueue(std::make_shared<const std::string>(std::move(payload)), ws::Opcode::close);
  }

  // Hands queued frames to the socket: up to kFramesPerWrite per vectored write, without
  // waiting while the socket takes them; the rest of a partial write continues asynchronously.
  void write_now() {
    while (!finished_ && head_ < queue_.size()) {
      std::size_t frames = std::min(queue_.size() - head_, kFramesPerWrite);
      if constexpr (is_tls_v<Stream>) {
        return write_async(frames, 0);
      } else {
        std::array<asio::const_buffer, 2 * kFramesPerWrite> iov;
        std::size_t n = 0, total = 0;
        for (std::size_t i = head_; i < head_ + frames; ++i) {
          const Outgoing& out = queue_[i];
          if (out.header_size) iov[n++] = asio::buffer(out.header.data(), out.header_size);
          iov[n++] = asio::buffer(*out.payload);
          total += out.size();
        }
        error_code ec;
        std::size_t written =
            stream_.write_some(std::span<const asio::const_buffer>(iov.data(), n), ec);
        if (would_block(ec))
          written = 0;
        else if (ec)
          return finish();
        std::size_t offset = written;
        while (head_ < queue_.size() && offset >= queue_[head_].size()) {
          offset -= queue_[head_].size();
          pop_front();
        }
        if (written < total)
          return write_async(std::min(queue_.size() - head_, kFramesPerWrite), offset);
      }
    }
    drained();
  }

  void write_async(std::size_t frames, std::size_t offset) {
    inflight_.assign(std::make_move_iterator(queue_.begin() + head_),
                     std::make_move_iterator(queue_.begin() + head_ + frames));
    head_ += frames;
    for (const Outgoing& out : inflight_) {
      if (out.header_size) iov_.push_back(asio::buffer(out.header.data(), out.header_size));
      iov_.push_back(asio::buffer(*out.payload));
    }
    // Skip what the non-blocking attempt already wrote.
    for (auto& b : iov_) {
      std::size_t skip = std::min(offset, b.size());
      b += skip;
      offset -= skip;
    }
    writing_ = true;
    asio::async_write(stream_, iov_, [self = self()](error_code ec, std::size_t) {
      self->writing_ = false;
      for (const Outgoing& out : self->inflight_) self->queued_bytes_ -= out.payload->size();
      self->inflight_.clear();
      self->iov_.clear();
      release_if_large(self->inflight_);
      release_if_large(self->iov_);
      if (ec) return self->finish();
      self->write_now();
    });
  }

  void pop_front() {
    queued_bytes_ -= queue_[head_].payload->size();
    queue_[head_].payload.reset();
    ++head_;
    // A peer that keeps a backlog never drains the queue: drop the sent prefix now and then.
    if (head_ >= 64 && head_ * 2 >= queue_.size()) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  void drained() {
    if (head_ != queue_.size() || writing_) return;
    queue_.clear();
    head_ = 0;
    release_if_large(queue_);
    if (!close_sent_) {
      if (!closing_) handler_->on_drain(*this);  // what it sends is written, and drains, here
      return;
    }
    if (peer_closed_) return finish();  // both close frames exchanged
    if constexpr (!is_tls_v<Stream>) {
      // FIN after our close frame; the peer's close or EOF then ends the connection.
      error_code ignored;
      stream_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
  }

  void read_next() {
    if constexpr (is_tls_v<Stream>) {
      if (!tls_buffer_) tls_buffer_.reset(new char[kTlsReadChunk]);
      stream_.async_read_some(asio::buffer(tls_buffer_.get(), kTlsReadChunk),
                              [self = self()](error_code ec, std::size_t n) {
                                if (ec) return self->finish();
                                self->last_rx_ = SteadyClock::now();
                                {
                                  SendBatch batch;
                                  self->feed(self->tls_buffer_.get(), n);
                                }
                                if (!self->finished_) self->read_next();
                              });
    } else {
      // Waiting holds no buffer: the bytes are read into the worker's scratch once they exist.
      stream_.async_wait(asio::ip::tcp::socket::wait_read,
                         [self = self()](error_code ec) { self->on_readable(ec); });
    }
  }

  void on_readable(error_code ec) {
    if (ec) return finish();
    SendBatch batch;  // answers to everything read now leave in one write
    char* scratch = read_scratch();
    for (int i = 0; i < kReadsPerTurn; ++i) {
      std::size_t n = stream_.read_some(asio::buffer(scratch, kReadChunk), ec);
      if (would_block(ec)) return read_next();
      if (ec) return finish();  // EOF or reset
      last_rx_ = SteadyClock::now();
      feed(scratch, n);
      if (finished_) return;
      if (n < kReadChunk) return read_next();
    }
    // More is waiting: continue after the worker's other handlers (the readiness edge was
    // already consumed, so waiting again could wait forever).
    asio::post(stream_.get_executor(), [self = self()] { self->on_readable({}); });
  }

  // Parses what arrived; an incomplete frame is kept in pending_ until the rest comes.
  void feed(char* data, std::size_t size) {
    if (parser_.closed() || parser_.failure()) return;  // after a close, input is discarded
    bool buffered = !pending_.empty();
    if (buffered) {
      pending_.append(data, size);
      data = pending_.data();
      size = pending_.size();
    }
    std::size_t used = parser_.parse(data, size, *this);
    if (const auto& failure = parser_.failure()) {
      std::string().swap(pending_);
      return close(failure->code, failure->reason);
    }
    if (buffered)
      pending_.erase(0, used);
    else if (used < size)
      pending_.assign(data + used, size - used);
    if (pending_.empty())
      std::string().swap(pending_);
    else if (parser_.frame_bytes_needed() > pending_.capacity())
      pending_.reserve(parser_.frame_bytes_needed());
  }

  void on_ws_message(std::string_view data, bool binary) override {
    if (!closing_ && !finished_) handler_->on_message(*this, data, binary);
  }

  void on_ws_ping(std::string_view payload) override {
    if (!close_sent_) enqueue(std::make_shared<const std::string>(payload), ws::Opcode::pong);
  }

  void on_ws_close(std::optional<std::uint16_t> code, std::string_view) override {
    peer_closed_ = true;
    if (close_sent_) return finish();  // the answer to our close
    closing_ = true;
    // Echo the peer's code; frames already queued go out first.
    send_close(code ? ws::close_payload(*code, "") : std::string());
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    handler_->on_close(*this);
    error_code ignored;
    tcp_of(stream_).shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcp_of(stream_).close(ignored);
  }

  static constexpr std::size_t kTlsReadChunk = 16 * 1024;

  Stream stream_;
  ServerContext& ctx_;
  ConnectionSlot slot_;
  Gauge& open_gauge_;
  std::unique_ptr<WsHandler> handler_;
  ws::FrameParser parser_;
  std::string pending_;  // the start of a frame whose rest has not arrived
  std::unique_ptr<char[]> tls_buffer_;
  std::vector<Outgoing> queue_;
  std::size_t head_ = 0;            // queue_[head_] is the next frame to write
  std::vector<Outgoing> inflight_;  // frames an asynchronous write is sending
  std::vector<asio::const_buffer> iov_;
  std::size_t queued_bytes_ = 0;
  SteadyTime last_rx_{}, last_ping_{}, deadline_{};
  bool writing_ = false, deferred_ = false, closing_ = false, close_sent_ = false,
       peer_closed_ = false, finished_ = false;
};

}  // namespace

SendBatch::SendBatch() {
  ++t_cork.depth;
}

SendBatch::~SendBatch() {
  if (--t_cork.depth) return;
  std::vector<std::shared_ptr<WsConnection>> pending;
  pending.swap(t_cork.pending);
  for (auto& c : pending) c->flush();
  pending.clear();
  if (t_cork.pending.empty()) t_cork.pending.swap(pending);  // keep the capacity
}

bool SendBatch::active() {
  return t_cork.depth > 0;
}

void SendBatch::defer(std::shared_ptr<WsConnection> c) {
  t_cork.pending.push_back(std::move(c));
}

template <class Stream>
void start_websocket(Stream stream, std::string client_key, std::string leftover,
                     ServerContext& ctx, Worker& worker, const WsRoute& route, SettingsPtr settings,
                     ConnectionSlot slot, ConnectionInfo info) {
  auto session =
      std::make_shared<WsSession<Stream>>(std::move(stream), ctx, route, std::move(settings),
                                          std::move(slot), std::move(info), worker.index());
  worker.add(*session);
  session->start(client_key, std::move(leftover));
}

template void start_websocket<PlainStream>(PlainStream, std::string, std::string, ServerContext&,
                                           Worker&, const WsRoute&, SettingsPtr, ConnectionSlot,
                                           ConnectionInfo);
template void start_websocket<TlsStream>(TlsStream, std::string, std::string, ServerContext&,
                                         Worker&, const WsRoute&, SettingsPtr, ConnectionSlot,
                                         ConnectionInfo);

}  // namespace voxgate
