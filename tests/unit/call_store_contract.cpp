// The call store every backend keeps alike: merging webhook updates, transcripts, delivery keys,
// org isolation, the paged call list, and one transaction shared with the event history.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>

#include "auth/base64url.hpp"
#include "store/call_cursor.hpp"
#include "store_contract.hpp"

namespace voxgate {
namespace {

constexpr std::size_t no_limit = std::numeric_limits<std::size_t>::max();

TranscriptLine line(std::string speaker, std::string text,
                    std::optional<std::int64_t> ts_ms = std::nullopt,
                    std::optional<double> seconds = std::nullopt) {
  return {std::move(speaker), std::move(text), ts_ms, seconds};
}

std::vector<std::string> texts_of(const CallDetail& detail) {
  std::vector<std::string> texts;
  for (const auto& l : detail.transcript) texts.push_back(l.text);
  return texts;
}

std::vector<std::string> ids_of(const std::vector<CallRecord>& calls) {
  std::vector<std::string> ids;
  for (const auto& c : calls) ids.push_back(c.call_id);
  return ids;
}

CallQuery list(std::string org, std::size_t limit, std::string cursor = {}) {
  CallQuery query;
  query.org_id = std::move(org);
  query.limit = limit;
  query.cursor = std::move(cursor);
  return query;
}

CallQuery with_status(CallQuery query, std::string status) {
  query.status = std::move(status);
  return query;
}

CallQuery between(CallQuery query, std::optional<std::int64_t> from_ms,
                  std::optional<std::int64_t> to_ms) {
  query.from_ms = from_ms;
  query.to_ms = to_ms;
  return query;
}

}  // namespace

TEST_P(CallStoreContract, AFirstUpdateStoresEveryField) {
  auto u = update("call-1", "org-a", 5000);
  u.assistant_id = "asst-1";
  u.customer_number = "+14155550100";
  u.call_type = "inboundPhoneCall";
  u.tracking_id = "track-1";
  u.user_id = "user-1";
  u.status = "ringing";
  u.started_ms = 5100;
  u.ended_ms = 65100;
  u.duration_seconds = 60.5;
  u.ended_reason = "customer-ended-call";
  u.recording_url = "https://storage.example/rec.wav";
  u.summary = "Moved the appointment.";
  calls().apply(u);

  const auto call = get("org-a", "call-1").call;
  EXPECT_EQ(call.call_id, "call-1");
  EXPECT_EQ(call.org_id, "org-a");
  EXPECT_EQ(call.assistant_id, "asst-1");
  EXPECT_EQ(call.customer_number, "+14155550100");
  EXPECT_EQ(call.call_type, "inboundPhoneCall");
  EXPECT_EQ(call.tracking_id, "track-1");
  EXPECT_EQ(call.user_id, "user-1");
  EXPECT_EQ(call.status, "ringing");
  EXPECT_EQ(call.started_ms, 5100);
  EXPECT_EQ(call.ended_ms, 65100);
  EXPECT_EQ(call.duration_seconds, 60.5);
  EXPECT_EQ(call.ended_reason, "customer-ended-call");
  EXPECT_EQ(call.recording_url, "https://storage.example/rec.wav");
  EXPECT_EQ(call.summary, "Moved the appointment.");
  EXPECT_EQ(call.created_ms, 5000);
  EXPECT_EQ(call.updated_ms, 5000);
}

TEST_P(CallStoreContract, UnsetFieldsAreEmptyAndNull) {
  calls().apply(update("call-1", "org-a"));
  const auto call = get("org-a", "call-1").call;
  EXPECT_EQ(call.status, "");
  EXPECT_EQ(call.assistant_id, "");
  EXPECT_FALSE(call.started_ms);
  EXPECT_FALSE(call.ended_ms);
  EXPECT_FALSE(call.duration_seconds);
}

TEST_P(CallStoreContract, LaterUpdatesMergeAndEmptyFieldsEraseNothing) {
  auto ringing = update("call-1", "org-a", 1000);
  ringing.status = "ringing";
  ringing.assistant_id = "asst-1";
  ringing.customer_number = "+14155550100";
  calls().apply(ringing);

  auto in_progress = update("call-1", "org-a", 2000);
  in_progress.status = "in_progress";
  in_progress.started_ms = 1900;
  calls().apply(in_progress);

  auto report = update("call-1", "org-a", 9000);
  report.status = "ended";
  report.ended_ms = 8900;
  report.duration_seconds = 7.0;
  report.ended_reason = "assistant-ended-call";
  report.summary = "Short call.";
  calls().apply(report);

  const auto call = get("org-a", "call-1").call;
  EXPECT_EQ(call.status, "ended");
  EXPECT_EQ(call.assistant_id, "asst-1");
  EXPECT_EQ(call.customer_number, "+14155550100");
  EXPECT_EQ(call.started_ms, 1900);
  EXPECT_EQ(call.ended_ms, 8900);
  EXPECT_EQ(call.duration_seconds, 7.0);
  EXPECT_EQ(call.ended_reason, "assistant-ended-call");
  EXPECT_EQ(call.summary, "Short call.");
  EXPECT_EQ(call.created_ms, 1000);
  EXPECT_EQ(call.updated_ms, 9000);
}

TEST_P(CallStoreContract, ALateLiveStatusNeverReopensAnEndedCall) {
  auto ended = update("call-1", "org-a", 2000);
  ended.status = "ended";
  calls().apply(ended);
  auto retried = update("call-1", "org-a", 2500);
  retried.status = "in_progress";
  calls().apply(retried);
  EXPECT_EQ(get("org-a", "call-1").call.status, "ended");

  auto failed = update("call-1", "org-a", 3000);
  failed.status = "failed";
  calls().apply(failed);
  EXPECT_EQ(get("org-a", "call-1").call.status, "failed");
}

TEST_P(CallStoreContract, CreatedIsTheEarliestEventAndUpdatedTheLatest) {
  calls().apply(update("call-1", "org-a", 5000));
  calls().apply(update("call-1", "org-a", 3000));  // delivered late
  const auto call = get("org-a", "call-1").call;
  EXPECT_EQ(call.created_ms, 3000);
  EXPECT_EQ(call.updated_ms, 5000);
}

TEST_P(CallStoreContract, ACallKeepsItsFirstOrg) {
  calls().apply(update("call-1", "org-a"));
  calls().apply(update("call-1", "org-b"));
  EXPECT_EQ(calls().org_of_call("call-1"), "org-a");
  EXPECT_FALSE(calls().get_call("org-b", "call-1"));
  EXPECT_TRUE(calls().list_calls(list("org-b", 10)).calls.empty());
}

TEST_P(CallStoreContract, AnUpdateWithoutCallOrOrgIsRefused) {
  EXPECT_THROW(calls().apply(update("", "org-a")), std::invalid_argument);
  EXPECT_THROW(calls().apply(update("call-1", "")), std::invalid_argument);
  EXPECT_FALSE(calls().org_of_call("call-1"));
}

TEST_P(CallStoreContract, StreamedLinesAppendInOrder) {
  auto first = update("call-1", "org-a");
  first.append_lines = {line("agent", "Hello, how can I help?", 1000, 0.5)};
  calls().apply(first);
  auto more = update("call-1", "org-a");
  more.append_lines = {line("customer", "I'd like to move my appointment."),
                       line("agent", "Sure, to when?", 3000, 2.25)};
  calls().apply(more);
  calls().apply(update("call-1", "org-a"));  // a status-update: no lines

  const auto detail = get("org-a", "call-1");
  EXPECT_EQ(texts_of(detail),
            (std::vector<std::string>{"Hello, how can I help?", "I'd like to move my appointment.",
                                      "Sure, to when?"}));
  EXPECT_EQ(detail.transcript[0].speaker, "agent");
  EXPECT_EQ(detail.transcript[0].ts_ms, 1000);
  EXPECT_EQ(detail.transcript[0].seconds_from_start, 0.5);
  EXPECT_EQ(detail.transcript[1].speaker, "customer");
  EXPECT_FALSE(detail.transcript[1].ts_ms);
  EXPECT_FALSE(detail.transcript[1].seconds_from_start);
  EXPECT_EQ(detail.transcript[2].seconds_from_start, 2.25);
}

TEST_P(CallStoreContract, TheReportsTranscriptReplacesWhatWasStreamed) {
  auto streamed = update("call-1", "org-a");
  streamed.append_lines = {line("agent", "Hi"), line("customer", "Helo"), line("agent", "Yes?")};
  calls().apply(streamed);
  auto report = update("call-1", "org-a");
  report.replace_transcript =
      std::vector<TranscriptLine>{line("agent", "Hi there"), line("customer", "Hello")};
  calls().apply(report);
  EXPECT_EQ(texts_of(get("org-a", "call-1")), (std::vector<std::string>{"Hi there", "Hello"}));

  auto late = update("call-1", "org-a");  // a final line delivered after the report
  late.append_lines = {line("agent", "Bye")};
  calls().apply(late);
  EXPECT_EQ(texts_of(get("org-a", "call-1")),
            (std::vector<std::string>{"Hi there", "Hello", "Bye"}));

  auto empty = update("call-1", "org-a");
  empty.replace_transcript = std::vector<TranscriptLine>{};
  calls().apply(empty);
  EXPECT_TRUE(get("org-a", "call-1").transcript.empty());
}

TEST_P(CallStoreContract, TranscriptsStayWithTheirCall) {
  auto one = update("call-1", "org-a");
  one.append_lines = {line("agent", "one")};
  auto two = update("call-2", "org-a");
  two.append_lines = {line("agent", "two")};
  calls().apply(one);
  calls().apply(two);
  EXPECT_EQ(texts_of(get("org-a", "call-1")), (std::vector<std::string>{"one"}));
  EXPECT_EQ(texts_of(get("org-a", "call-2")), (std::vector<std::string>{"two"}));
}

TEST_P(CallStoreContract, ADeliveryIsClaimedOnce) {
  EXPECT_TRUE(calls().claim_delivery("key-1", 1000));
  EXPECT_FALSE(calls().claim_delivery("key-1", 2000));
  EXPECT_TRUE(calls().claim_delivery("key-2", 2000));
  reopen();
  EXPECT_FALSE(calls().claim_delivery("key-1", 3000));
}

TEST_P(CallStoreContract, PruningForgetsOnlyOldDeliveries) {
  calls().claim_delivery("old", 1000);
  calls().claim_delivery("edge", 2000);
  calls().claim_delivery("new", 3000);
  EXPECT_EQ(calls().prune_deliveries(2000), 1u);
  EXPECT_EQ(calls().prune_deliveries(2000), 0u);
  EXPECT_TRUE(calls().claim_delivery("old", 4000));
  EXPECT_FALSE(calls().claim_delivery("edge", 4000));
  EXPECT_FALSE(calls().claim_delivery("new", 4000));
}

TEST_P(CallStoreContract, OrgOfACallAndOfAnAssistant) {
  EXPECT_FALSE(calls().org_of_call("call-1"));
  calls().apply(update("call-1", "org-a"));
  EXPECT_EQ(calls().org_of_call("call-1"), "org-a");

  EXPECT_FALSE(calls().org_of_assistant("asst-1"));
  calls().set_assistant_org("asst-1", "org-a");
  calls().set_assistant_org("asst-2", "org-b");
  EXPECT_EQ(calls().org_of_assistant("asst-1"), "org-a");
  calls().set_assistant_org("asst-1", "org-c");
  EXPECT_EQ(calls().org_of_assistant("asst-1"), "org-c");
  EXPECT_EQ(calls().org_of_assistant("asst-2"), "org-b");
}

TEST_P(CallStoreContract, AnotherOrgsCallIsNotFound) {
  auto u = update("call-1", "org-a");
  u.append_lines = {line("agent", "secret")};
  calls().apply(u);
  EXPECT_TRUE(calls().get_call("org-a", "call-1"));
  EXPECT_FALSE(calls().get_call("org-b", "call-1"));
  EXPECT_FALSE(calls().get_call("", "call-1"));
  EXPECT_FALSE(calls().get_call("org-a", "call-2"));
}

TEST_P(CallStoreContract, TheListHoldsOnlyTheOrgsCalls) {
  for (int i = 0; i < 5; ++i) calls().apply(update("a-" + std::to_string(i), "org-a", 1000 + i));
  for (int i = 0; i < 3; ++i) calls().apply(update("b-" + std::to_string(i), "org-b", 1000 + i));
  EXPECT_EQ(ids_of(calls().list_calls(list("org-b", 100)).calls),
            (std::vector<std::string>{"b-2", "b-1", "b-0"}));
  EXPECT_EQ(calls().list_calls(list("org-a", 100)).calls.size(), 5u);
  EXPECT_TRUE(calls().list_calls(list("org-c", 100)).calls.empty());
}

TEST_P(CallStoreContract, PagesReturnEveryCallOnceNewestFirst) {
  // Three calls per millisecond, so pages also break between calls of the same time.
  for (int i = 0; i < 250; ++i) {
    auto u = update("call-" + std::to_string(i), "org-a", 100);
    u.started_ms = 1000 + i / 3;
    calls().apply(u);
  }
  for (int i = 0; i < 20; ++i) calls().apply(update("other-" + std::to_string(i), "org-b", 1500));

  auto query = list("org-a", 100);
  std::vector<std::size_t> sizes;
  std::vector<CallRecord> all;
  for (;;) {
    const auto page = calls().list_calls(query);
    sizes.push_back(page.calls.size());
    all.insert(all.end(), page.calls.begin(), page.calls.end());
    if (page.next_cursor.empty()) break;
    query.cursor = page.next_cursor;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 50}));
  const auto ids = ids_of(all);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 250u);
  for (const auto& call : all) EXPECT_EQ(call.org_id, "org-a");
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return std::tie(*b.started_ms, b.call_id) < std::tie(*a.started_ms, a.call_id);
  }));
  EXPECT_EQ(all.front().started_ms, 1000 + 249 / 3);
  EXPECT_EQ(all.back().started_ms, 1000);
}

TEST_P(CallStoreContract, AFullLastPageHasNoCursor) {
  for (int i = 0; i < 200; ++i) calls().apply(update("call-" + std::to_string(i), "org-a", i));
  const auto first = calls().list_calls(list("org-a", 100));
  ASSERT_FALSE(first.next_cursor.empty());
  const auto second = calls().list_calls(list("org-a", 100, first.next_cursor));
  EXPECT_EQ(second.calls.size(), 100u);
  EXPECT_TRUE(second.next_cursor.empty());
}

TEST_P(CallStoreContract, NewCallsDoNotShiftLaterPages) {
  for (int i = 0; i < 10; ++i) calls().apply(update("call-" + std::to_string(i), "org-a", i));
  const auto first = calls().list_calls(list("org-a", 4));
  calls().apply(update("newest", "org-a", 100));
  const auto second = calls().list_calls(list("org-a", 4, first.next_cursor));
  EXPECT_EQ(ids_of(second.calls),
            (std::vector<std::string>{"call-5", "call-4", "call-3", "call-2"}));
}

TEST_P(CallStoreContract, SortsByStartedTimeElseCreatedTime) {
  calls().apply(update("ringing", "org-a", 3000));  // not started: sorts at its creation
  auto started = update("started", "org-a", 1000);
  started.started_ms = 4000;
  calls().apply(started);
  calls().apply(update("old", "org-a", 2000));
  EXPECT_EQ(ids_of(calls().list_calls(list("org-a", 10)).calls),
            (std::vector<std::string>{"started", "ringing", "old"}));
}

TEST_P(CallStoreContract, FiltersByStatus) {
  for (int i = 0; i < 30; ++i) {
    auto u = update("call-" + std::to_string(i), "org-a", i);
    u.status = i % 3 ? "ended" : "in_progress";
    calls().apply(u);
  }
  const auto live = all_pages(with_status(list("org-a", 4), "in_progress"));
  EXPECT_EQ(live.size(), 10u);
  for (const auto& call : live) EXPECT_EQ(call.status, "in_progress");
  EXPECT_EQ(all_pages(with_status(list("org-a", 7), "ended")).size(), 20u);
  EXPECT_TRUE(all_pages(with_status(list("org-a", 7), "failed")).empty());
}

TEST_P(CallStoreContract, FiltersByTimeRangeFromInclusiveToExclusive) {
  for (int i = 0; i < 50; ++i) {
    auto u = update("call-" + std::to_string(i), "org-a", 1);
    u.started_ms = 1000 + i * 10;  // 1000, 1010, ..., 1490
    calls().apply(u);
  }
  const auto range = all_pages(between(list("org-a", 3), 1100, 1200));
  EXPECT_EQ(ids_of(range),
            (std::vector<std::string>{"call-19", "call-18", "call-17", "call-16", "call-15",
                                      "call-14", "call-13", "call-12", "call-11", "call-10"}));
  EXPECT_EQ(all_pages(between(list("org-a", 100), 1450, std::nullopt)).size(), 5u);
  EXPECT_EQ(all_pages(between(list("org-a", 100), std::nullopt, 1050)).size(), 5u);
  EXPECT_TRUE(all_pages(between(list("org-a", 9), 1200, 1200)).empty());
}

TEST_P(CallStoreContract, AZeroLimitIsAnEmptyLastPage) {
  calls().apply(update("call-1", "org-a"));
  const auto page = calls().list_calls(list("org-a", 0));
  EXPECT_TRUE(page.calls.empty());
  EXPECT_TRUE(page.next_cursor.empty());
  EXPECT_EQ(calls().list_calls(list("org-a", no_limit)).calls.size(), 1u);
}

TEST_P(CallStoreContract, AGarbageCursorThrowsBadCursor) {
  static_assert(!std::is_base_of_v<StoreError, BadCursor>, "the API answers 400, not 503");
  calls().apply(update("call-1", "org-a"));
  for (const std::string& bad :
       {std::string("garbage!"), std::string("===="), base64url_encode("no separator"),
        base64url_encode("12:"), base64url_encode(":call-1"), base64url_encode("12x:call-1"),
        base64url_encode("99999999999999999999:call-1"), base64url_encode(" 12:call-1")})
    EXPECT_THROW(calls().list_calls(list("org-a", 10, bad)), BadCursor) << bad;
}

TEST_P(CallStoreContract, AWriteTransactionStoresCallKeyAndEventsTogether) {
  events().write_transaction([&] {
    ASSERT_TRUE(calls().claim_delivery("key-1", 1000));
    auto u = update("call-1", "org-a");
    u.append_lines = {line("agent", "Hello")};
    calls().apply(u);
    events().append({status_event("org-a"), status_event("org-a")});
  });
  EXPECT_EQ(count("SELECT count(*) FROM calls"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM call_transcripts"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 2);
}

TEST_P(CallStoreContract, AThrowingWriteTransactionLeavesNothingBehind) {
  events().append({status_event("org-a")});
  struct WebhookFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  const auto webhook = [&] {
    calls().claim_delivery("key-1", 1000);
    auto u = update("call-1", "org-a");
    u.append_lines = {line("agent", "Hello")};
    calls().apply(u);
    calls().set_assistant_org("asst-1", "org-a");
    events().append({status_event("org-a"), status_event("org-b")});
    throw WebhookFailed("after every write");
  };
  EXPECT_THROW(events().write_transaction(webhook), WebhookFailed);

  EXPECT_EQ(events().last_seq("org-a"), 1u);
  EXPECT_EQ(events().last_seq("org-b"), 0u);
  EXPECT_FALSE(calls().org_of_call("call-1"));
  EXPECT_FALSE(calls().org_of_assistant("asst-1"));
  EXPECT_EQ(count("SELECT count(*) FROM call_transcripts"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 1);
  EXPECT_TRUE(calls().claim_delivery("key-1", 2000));  // a retry of the webhook is not a repeat
  // Later writes are their own transactions again.
  calls().apply(update("call-2", "org-a"));
  EXPECT_EQ(count("SELECT count(*) FROM calls"), 1);
}

TEST_P(CallStoreContract, ReadsInsideAWriteTransactionSeeItsWrites) {
  events().write_transaction([&] {
    calls().apply(update("call-1", "org-a"));
    EXPECT_EQ(calls().org_of_call("call-1"), "org-a");
    EXPECT_TRUE(calls().get_call("org-a", "call-1"));
    EXPECT_EQ(calls().list_calls(list("org-a", 10)).calls.size(), 1u);
    events().append({status_event("org-a")});
    EXPECT_EQ(events().since("org-a", 0, "", no_limit).events.size(), 1u);
  });
  EXPECT_EQ(count("SELECT count(*) FROM calls"), 1);
}

TEST_P(CallStoreContract, WritesOutsideATransactionAreDurableAtOnce) {
  calls().apply(update("call-1", "org-a"));
  calls().claim_delivery("key-1", 1000);
  EXPECT_EQ(count("SELECT count(*) FROM calls"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries"), 1);
}

TEST_P(CallStoreContract, CallsSurviveAReopen) {
  auto u = update("call-1", "org-a");
  u.status = "ended";
  u.append_lines = {line("agent", "Hello")};
  calls().apply(u);
  reopen();
  const auto detail = get("org-a", "call-1");
  EXPECT_EQ(detail.call.status, "ended");
  EXPECT_EQ(texts_of(detail), (std::vector<std::string>{"Hello"}));
}

TEST_P(CallStoreContract, TheCallStoreWorksAfterTheEventStoreIsGone) {
  stores_->events.reset();
  calls().apply(update("call-1", "org-a"));
  EXPECT_EQ(calls().org_of_call("call-1"), "org-a");
}

// ---------------------------------------------------------------- browser test call sessions

TestSessionRecord session(std::string tracking_id) {
  return {std::move(tracking_id),
          "org-a",
          "user-1",
          "asst-1",
          "call-1",
          "wss://provider.example/call-1?token=t",
          1000,
          std::nullopt,
          ""};
}

TEST_P(CallStoreContract, ASessionComesBackAsSaved) {
  calls().save_test_session(session("track-1"));
  const auto found = calls().find_test_session("track-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->tracking_id, "track-1");
  EXPECT_EQ(found->org_id, "org-a");
  EXPECT_EQ(found->user_id, "user-1");
  EXPECT_EQ(found->assistant_id, "asst-1");
  EXPECT_EQ(found->call_id, "call-1");
  EXPECT_EQ(found->websocket_url, "wss://provider.example/call-1?token=t");
  EXPECT_EQ(found->created_ms, 1000);
  EXPECT_FALSE(found->ended_ms);
  EXPECT_EQ(found->node, "");
  EXPECT_FALSE(calls().find_test_session("track-2"));
  reopen();
  EXPECT_TRUE(calls().find_test_session("track-1"));
}

TEST_P(CallStoreContract, OneNodeHoldsASessionUntilItEnds) {
  calls().save_test_session(session("track-1"));
  EXPECT_TRUE(calls().claim_test_session("track-1", "node-a"));
  EXPECT_TRUE(calls().claim_test_session("track-1", "node-a"));  // its own browser again
  EXPECT_FALSE(calls().claim_test_session("track-1", "node-b"));
  EXPECT_EQ(calls().find_test_session("track-1")->node, "node-a");
  EXPECT_FALSE(calls().claim_test_session("track-unknown", "node-a"));

  calls().end_test_session("track-1", 5000);
  calls().end_test_session("track-1", 9000);  // the first end stays
  EXPECT_EQ(calls().find_test_session("track-1")->ended_ms, 5000);
  EXPECT_FALSE(calls().claim_test_session("track-1", "node-a"));
}

TEST_P(CallStoreContract, AnEndRequestReachesTheNodeThatRelaysTheCall) {
  calls().save_test_session(session("track-1"));
  calls().save_test_session(session("track-2"));
  ASSERT_TRUE(calls().claim_test_session("track-1", "node-a"));
  ASSERT_TRUE(calls().claim_test_session("track-2", "node-a"));
  EXPECT_TRUE(calls().test_sessions_to_end("node-a").empty());
  EXPECT_TRUE(calls().request_test_session_end("track-1", 2000));
  EXPECT_FALSE(calls().request_test_session_end("track-unknown", 2000));
  EXPECT_EQ(calls().test_sessions_to_end("node-a"), std::vector<std::string>{"track-1"});
  EXPECT_TRUE(calls().test_sessions_to_end("node-b").empty());
  calls().end_test_session("track-1", 3000);
  EXPECT_TRUE(calls().test_sessions_to_end("node-a").empty());
  EXPECT_FALSE(calls().request_test_session_end("track-1", 4000));  // ended already
}

TEST_P(CallStoreContract, AnEndRequestedBeforeAnyAttachIsForTheNodeThatStartedIt) {
  calls().save_test_session(session("track-1"));
  EXPECT_TRUE(calls().request_test_session_end("track-1", 2000));
  // Nobody relays it: every node hears of it, and only the one holding a copy acts.
  EXPECT_EQ(calls().test_sessions_to_end("node-b"), std::vector<std::string>{"track-1"});
  EXPECT_FALSE(calls().claim_test_session("track-1", "node-b"));  // no browser attaches any more
}

TEST_P(CallStoreContract, ASavedSessionIsPartOfTheWriteTransaction) {
  struct Failed : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  EXPECT_THROW(events().write_transaction([&] {
    calls().save_test_session(session("track-1"));
    throw Failed("after the save");
  }),
               Failed);
  EXPECT_FALSE(calls().find_test_session("track-1"));
}

}  // namespace voxgate
