// Status / StatusOr: codes, names, HTTP mapping, copies, and the two macros.
#include "qtrace/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace qtrace {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.reason(), "ok");
  EXPECT_TRUE(s.details().empty());
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, EveryCodeHasAStableNameAndHttpStatus) {
  struct Case {
    StatusCode code;
    Status (*make)(std::string, std::string);
    std::string_view name;
    int http;
  };
  const Case kCases[] = {
      {StatusCode::kInvalidArgument, InvalidArgument, "invalid_argument", 400},
      {StatusCode::kUnauthenticated, Unauthenticated, "unauthenticated", 401},
      {StatusCode::kPermissionDenied, PermissionDenied, "permission_denied", 403},
      {StatusCode::kNotFound, NotFound, "not_found", 404},
      {StatusCode::kAlreadyExists, AlreadyExists, "conflict", 409},
      {StatusCode::kPayloadTooLarge, PayloadTooLarge, "payload_too_large", 413},
      {StatusCode::kFailedPrecondition, FailedPrecondition, "rule_violation", 422},
      {StatusCode::kResourceExhausted, ResourceExhausted, "overloaded", 429},
      {StatusCode::kUnavailable, Unavailable, "unavailable", 503},
      {StatusCode::kInternal, Internal, "internal", 500},
  };
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "ok");
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_EQ(StatusCodeName(c.code), c.name);
    EXPECT_EQ(HttpStatusFor(c.code), c.http);
    Status s = c.make("it broke", "");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.message(), "it broke");
    // Without an explicit reason, the reason is the code's name.
    EXPECT_EQ(s.reason(), c.name);
    EXPECT_EQ(s.ToString(), std::string(c.name) + ": it broke");
    Status r = c.make("it broke", "balance_negative");
    EXPECT_EQ(r.reason(), "balance_negative");
  }
}

TEST(StatusTest, UnknownCodeMapsToInternalHttpStatus) {
  auto bogus = static_cast<StatusCode>(999);
  EXPECT_EQ(StatusCodeName(bogus), "unknown");
  EXPECT_EQ(HttpStatusFor(bogus), 500);
}

TEST(StatusTest, ConstructingWithOkCodeGivesOk) {
  Status s(StatusCode::kOk, "ignored", "ignored", {"ignored"});
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
}

TEST(StatusTest, DetailsAppearInToString) {
  Status s(StatusCode::kFailedPrecondition, "record refused", "rules",
           {"balance of lot A below zero", "certificate C expired"});
  EXPECT_EQ(s.details().size(), 2u);
  EXPECT_EQ(s.ToString(),
            "rule_violation: record refused\n"
            "  - balance of lot A below zero\n"
            "  - certificate C expired");
}

TEST(StatusTest, WithPrefixKeepsCodeReasonAndDetails) {
  Status s(StatusCode::kNotFound, "no such lot", "lot_missing", {"d1"});
  Status p = s.WithPrefix("inputs[2].lot");
  EXPECT_EQ(p.code(), StatusCode::kNotFound);
  EXPECT_EQ(p.message(), "inputs[2].lot: no such lot");
  EXPECT_EQ(p.reason(), "lot_missing");
  EXPECT_EQ(p.details(), std::vector<std::string>{"d1"});
  // The original is untouched (copies share an immutable rep).
  EXPECT_EQ(s.message(), "no such lot");
  EXPECT_TRUE(Status::Ok().WithPrefix("x").ok());
}

TEST(StatusTest, EqualityComparesEverything) {
  EXPECT_EQ(InvalidArgument("a"), InvalidArgument("a"));
  EXPECT_NE(InvalidArgument("a"), InvalidArgument("b"));
  EXPECT_NE(InvalidArgument("a"), NotFound("a"));
  EXPECT_NE(InvalidArgument("a", "x"), InvalidArgument("a", "y"));
  EXPECT_NE(InvalidArgument("a"), Status::Ok());
  EXPECT_NE(Status::Ok(), InvalidArgument("a"));
  EXPECT_EQ(Status(StatusCode::kInternal, "m", "", {"d"}),
            Status(StatusCode::kInternal, "m", "", {"d"}));
  EXPECT_NE(Status(StatusCode::kInternal, "m", "", {"d"}),
            Status(StatusCode::kInternal, "m", "", {"e"}));
  Status copy = NotFound("gone");
  Status copy2 = copy;
  EXPECT_EQ(copy, copy2);
}

TEST(StatusOrTest, HoldsAValue) {
  StatusOr<std::string> s = std::string("value");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s.status().ok());
  EXPECT_EQ(*s, "value");
  EXPECT_EQ(s->size(), 5u);
  std::string moved = std::move(s).value();
  EXPECT_EQ(moved, "value");
}

TEST(StatusOrTest, ConvertsFromConstructibleTypes) {
  StatusOr<std::string> s = "literal";  // const char* -> std::string
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "literal");
  StatusOr<std::unique_ptr<int>> p = std::make_unique<int>(7);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(**p, 7);
}

TEST(StatusOrTest, HoldsAnError) {
  StatusOr<int> s = NotFound("nope", "lot_missing");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s.status().reason(), "lot_missing");
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternal) {
  StatusOr<int> s = Status::Ok();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);
  Status ok;
  StatusOr<int> t(ok);
  EXPECT_FALSE(t.ok());
  EXPECT_FALSE(t.status().ok());
}

Status FailIf(bool fail) {
  if (fail) return FailedPrecondition("failed on purpose");
  return Status::Ok();
}

StatusOr<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}

Status ReturnIfError(bool fail, int* reached) {
  QT_RETURN_IF_ERROR(FailIf(fail));
  ++*reached;
  return Status::Ok();
}

StatusOr<int> Quarter(int v) {
  QT_ASSIGN_OR_RETURN(int half, Half(v));
  QT_ASSIGN_OR_RETURN(half, Half(half));  // assigns an existing variable
  return half;
}

StatusOr<std::unique_ptr<int>> MoveOnly(bool fail) {
  if (fail) return Internal("no");
  return std::make_unique<int>(42);
}

StatusOr<int> UseMoveOnly(bool fail) {
  QT_ASSIGN_OR_RETURN(std::unique_ptr<int> p, MoveOnly(fail));
  return *p;
}

TEST(StatusMacrosTest, ReturnIfErrorReturnsTheFirstError) {
  int reached = 0;
  EXPECT_TRUE(ReturnIfError(false, &reached).ok());
  EXPECT_EQ(reached, 1);
  Status s = ReturnIfError(true, &reached);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, AssignOrReturnDeclaresAssignsAndPropagates) {
  auto q = Quarter(12);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 3);
  auto odd = Quarter(7);
  EXPECT_EQ(odd.status().message(), "odd: 7");
  auto odd2 = Quarter(6);  // 6 -> 3 -> odd
  EXPECT_EQ(odd2.status().message(), "odd: 3");
  // Move-only values work.
  auto m = UseMoveOnly(false);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, 42);
  EXPECT_EQ(UseMoveOnly(true).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace qtrace
