#include "net/http.hpp"

namespace voxgate {

std::string_view request_path(std::string_view target) {
  auto q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

std::optional<std::string_view> origin_of(const http::fields& headers) {
  auto it = headers.find(http::field::origin);
  if (it == headers.end()) return std::nullopt;
  return it->value();
}

HttpResponse text_response(http::status status, std::string body, std::string_view content_type) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  if (!res.body().empty() && res.body().back() != '\n' && content_type.starts_with("text/plain"))
    res.body().push_back('\n');
  res.prepare_payload();
  return res;
}

}  // namespace voxgate
