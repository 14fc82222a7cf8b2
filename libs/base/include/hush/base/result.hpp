// Result<T, E>: the value of an operation that can fail on input an attacker or the network
// controls. A small expected-like type in C++20 (std::expected does not build under clang 14/16
// with libstdc++ 12). Errors are per-component enums; exceptions are reserved for bugs.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace hush {

// Wraps an error so that Result<T, E> can be built from it unambiguously, even when T == E.
template <class E>
struct Failure {
  E error;
};

template <class E>
Failure<E> fail(E error) {
  return Failure<E>{error};
}

// Holds either a T or an E. Accessing the wrong alternative is a bug and aborts.
template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : storage_(std::in_place_index<0>, value) {}
  Result(T&& value) : storage_(std::in_place_index<0>, std::move(value)) {}
  Result(Failure<E> failure) : storage_(std::in_place_index<1>, failure.error) {}

  bool ok() const { return storage_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return checked_value(); }
  const T& value() const& { return const_cast<Result*>(this)->checked_value(); }
  T&& value() && { return std::move(checked_value()); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(checked_value()); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  E error() const {
    if (ok()) std::abort();
    return std::get<1>(storage_);
  }

 private:
  T& checked_value() {
    if (!ok()) std::abort();
    return std::get<0>(storage_);
  }
  std::variant<T, E> storage_;
};

// Result of an operation that produces nothing but can fail.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Failure<E> failure) : failed_(true), error_(failure.error) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  E error() const {
    if (ok()) std::abort();
    return error_;
  }

 private:
  bool failed_ = false;
  E error_{};
};

}  // namespace hush

// Propagates the error of an expression returning Result; evaluates to nothing useful.
#define HUSH_TRY(expr)                                                         \
  do {                                                                         \
    auto hush_try_result_ = (expr);                                            \
    if (!hush_try_result_.ok()) return ::hush::fail(hush_try_result_.error()); \
  } while (0)
