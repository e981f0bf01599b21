#pragma once
// Bearer API keys of the platform's backend (POST /api/events), compared in constant time.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voxgate {

// True when `presented` equals one of `keys`. Takes the same time whichever key matches, or
// whether any does, and does not reveal lengths.
bool api_key_matches(std::string_view presented, const std::vector<std::string>& keys);
// Which of `keys` `presented` is (its index), in the same constant time; nullopt for none.
std::optional<std::size_t> matching_api_key(std::string_view presented,
                                            const std::vector<std::string>& keys);

// The token of an "Authorization: Bearer <token>" header value; empty when it has another form.
std::string_view bearer_token(std::string_view authorization);

}  // namespace voxgate
