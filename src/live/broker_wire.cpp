#include "live/broker_wire.hpp"

#include <limits>
#include <memory>
#include <stdexcept>

namespace voxgate {
namespace {

constexpr std::size_t kLengthBytes = 4;
constexpr std::size_t kSeqBytes = 8;
// The smallest event: a one-byte org, an empty user and an empty payload.
constexpr std::size_t kMinEventBytes = kLengthBytes + 1 + kLengthBytes + kSeqBytes + kLengthBytes;

std::size_t header_bytes(std::string_view node_id) {
  return kBrokerMagic.size() + kLengthBytes + node_id.size() + kLengthBytes;
}

std::string_view payload_of(const Delivery& d) {
  return d.payload ? std::string_view(*d.payload) : std::string_view();
}

bool fits_u32(std::size_t n) {
  return n <= std::numeric_limits<std::uint32_t>::max();
}

bool encodable(const Delivery& d) {
  return fits_u32(d.org_id.size()) && fits_u32(d.user_id.size()) && fits_u32(payload_of(d).size());
}

std::size_t event_bytes(const Delivery& d) {
  return kLengthBytes + d.org_id.size() + kLengthBytes + d.user_id.size() + kSeqBytes +
         kLengthBytes + payload_of(d).size();
}

void put_uint(std::string& out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_field(std::string& out, std::string_view field) {
  if (!fits_u32(field.size())) throw std::length_error("broker message field over 4 GiB");
  put_uint(out, field.size(), kLengthBytes);
  out.append(field);
}

// Reads fields front to back; every read checks the bytes that remain before taking any.
class Reader {
 public:
  Reader(std::string_view bytes, std::string& error) : all_(bytes), rest_(bytes), error_(error) {}

  std::size_t remaining() const { return rest_.size(); }
  std::size_t offset() const { return all_.size() - rest_.size(); }

  bool skip(std::size_t n, std::string_view what) {
    if (n > rest_.size()) return truncated(what, n);
    rest_.remove_prefix(n);
    return true;
  }

  bool uint(std::uint64_t& out, std::size_t bytes, std::string_view what) {
    if (bytes > rest_.size()) return truncated(what, bytes);
    out = 0;
    for (std::size_t i = 0; i < bytes; ++i)
      out |= std::uint64_t(static_cast<unsigned char>(rest_[i])) << (8 * i);
    rest_.remove_prefix(bytes);
    return true;
  }

  bool field(std::string_view& out, std::string_view what) {
    std::uint64_t length = 0;
    if (!uint(length, kLengthBytes, what)) return false;
    if (length > rest_.size()) return truncated(what, length);
    out = rest_.substr(0, length);
    rest_.remove_prefix(length);
    return true;
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

 private:
  bool truncated(std::string_view what, std::uint64_t needed) {
    return fail("truncated: " + std::string(what) + " needs " + std::to_string(needed) +
                " bytes at byte " + std::to_string(offset()) + ", " + std::to_string(rest_.size()) +
                " remain");
  }

  std::string_view all_;
  std::string_view rest_;
  std::string& error_;
};

bool read_event(Reader& in, std::size_t index, Delivery& out) {
  const std::string where = "event " + std::to_string(index);
  std::string_view org, user, payload;
  std::uint64_t seq = 0;
  if (!in.field(org, where + " org id")) return false;
  if (org.empty()) return in.fail(where + ": empty org id");
  if (!in.field(user, where + " user id")) return false;
  if (!in.uint(seq, kSeqBytes, where + " seq")) return false;
  if (seq == 0) return in.fail(where + ": seq 0 (event ids start at 1)");
  if (!in.field(payload, where + " payload")) return false;
  out = Delivery{std::string(org), std::string(user), seq,
                 std::make_shared<const std::string>(payload)};
  return true;
}

}  // namespace

std::string encode_broker_message(std::string_view node_id, std::span<const Delivery> events) {
  if (events.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("too many events for one broker message");
  std::size_t size = header_bytes(node_id);
  for (const auto& d : events) size += event_bytes(d);
  std::string out;
  out.reserve(size);
  out.append(kBrokerMagic);
  put_field(out, node_id);
  put_uint(out, events.size(), kLengthBytes);
  for (const auto& d : events) {
    put_field(out, d.org_id);
    put_field(out, d.user_id);
    put_uint(out, d.seq, kSeqBytes);
    put_field(out, payload_of(d));
  }
  return out;
}

std::vector<std::string> encode_broker_messages(std::string_view node_id,
                                                std::span<const Delivery> events,
                                                std::size_t max_bytes, std::size_t& oversized) {
  std::vector<std::string> out;
  const std::size_t header = header_bytes(node_id);
  std::size_t first = 0;  // the pending run is events[first, i)
  std::size_t bytes = header;
  auto flush = [&](std::size_t end) {
    if (end > first)
      out.push_back(encode_broker_message(node_id, events.subspan(first, end - first)));
  };
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::size_t size = event_bytes(events[i]);
    if (!encodable(events[i]) || size > max_bytes || header > max_bytes - size) {
      flush(i);
      ++oversized;
      first = i + 1;
      bytes = header;
      continue;
    }
    if (size > max_bytes - bytes || i - first == kMaxBrokerEvents) {
      flush(i);
      first = i;
      bytes = header;
    }
    bytes += size;
  }
  flush(events.size());
  return out;
}

std::optional<BrokerMessage> decode_broker_message(std::string_view bytes, std::string& error) {
  Reader in(bytes, error);
  if (!bytes.starts_with(kBrokerMagic)) {
    in.fail("not a voxgate broker message: it does not start with \"" + std::string(kBrokerMagic) +
            "\" (another version, or another publisher on the subject)");
    return std::nullopt;
  }
  in.skip(kBrokerMagic.size(), "magic");

  BrokerMessage message;
  std::string_view node_id;
  if (!in.field(node_id, "node id")) return std::nullopt;
  if (node_id.empty()) {
    in.fail("empty node id");
    return std::nullopt;
  }
  message.node_id = node_id;

  std::uint64_t count = 0;
  if (!in.uint(count, kLengthBytes, "event count")) return std::nullopt;
  if (count > kMaxBrokerEvents) {
    in.fail("event count " + std::to_string(count) + " is over the limit of " +
            std::to_string(kMaxBrokerEvents));
    return std::nullopt;
  }
  // Checked before reserving: a forged count cannot make us allocate more than the bytes allow.
  if (count > in.remaining() / kMinEventBytes) {
    in.fail("event count " + std::to_string(count) + " cannot fit in the " +
            std::to_string(in.remaining()) + " bytes that remain");
    return std::nullopt;
  }
  message.events.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    if (!read_event(in, i, message.events.emplace_back())) return std::nullopt;

  if (in.remaining() != 0) {
    in.fail(std::to_string(in.remaining()) + " trailing bytes after the " + std::to_string(count) +
            " events");
    return std::nullopt;
  }
  return message;
}

}  // namespace voxgate
