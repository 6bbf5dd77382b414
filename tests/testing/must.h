// Must(v): the value of a StatusOr that a test expects to be OK; a failed
// expectation (with the status) when it is not.
#ifndef QTRACE_TESTS_TESTING_MUST_H_
#define QTRACE_TESTS_TESTING_MUST_H_

#include <gtest/gtest.h>

#include <utility>

#include "qtrace/status.h"

namespace qtrace::testing {

template <typename T>
T Must(StatusOr<T> v) {
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return std::move(v).value();
}

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_TESTING_MUST_H_
