#pragma once
// A small Expected<T, E>: a value or an error, returned across library boundaries instead of
// throwing (std::expected is C++23; g++ 12 does not have it).

#include <utility>
#include <variant>

namespace cmeet {

template <typename E>
struct Unexpected {
    E error;
};

template <typename E>
[[nodiscard]] Unexpected<std::decay_t<E>> unexpected(E &&error)
{
    return {std::forward<E>(error)};
}

template <typename T, typename E>
class [[nodiscard]] Expected {
public:
    Expected(const T &value) : m_state(std::in_place_index<0>, value) {}
    Expected(T &&value) : m_state(std::in_place_index<0>, std::move(value)) {}
    template <typename F>
    Expected(Unexpected<F> error) : m_state(std::in_place_index<1>, std::move(error.error)) {}

    [[nodiscard]] bool hasValue() const { return m_state.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    // Precondition: hasValue() (respectively !hasValue() for error()).
    [[nodiscard]] T &value() & { return std::get<0>(m_state); }
    [[nodiscard]] const T &value() const & { return std::get<0>(m_state); }
    [[nodiscard]] T &&value() && { return std::get<0>(std::move(m_state)); }
    [[nodiscard]] const E &error() const { return std::get<1>(m_state); }

    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

private:
    std::variant<T, E> m_state;
};

// For operations that return nothing on success.
struct Ok {};

} // namespace cmeet
