#include "live/event_encoding.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace voxgate {

std::string encode_event(std::string_view org_id, std::uint64_t seq, std::string_view body) {
  std::string org = boost::json::serialize(boost::json::string(org_id));
  std::string id = std::to_string(seq);
  std::string out;
  out.reserve(body.size() + org.size() + id.size() + 20);
  out += "{\"id\":\"";
  out += id;
  out += "\",\"orgId\":";
  out += org;
  // body is "{...}": splice its members after ours.
  std::string_view rest = body.size() >= 2 ? body.substr(1) : std::string_view("}");
  if (rest != "}") out += ',';
  out += rest;
  return out;
}

}  // namespace voxgate
