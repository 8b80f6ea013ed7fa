#pragma once
// A small Expected<T, E>: a value or an error, returned across library boundaries instead of
// throwing (std::expected is C++23; g++ 12 does not have it).

#include <QtGlobal>

#include <type_traits>
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
    // Anything that converts to T (a QJsonObject for a QJsonValue, say).
    template <typename U>
        requires(std::is_convertible_v<U &&, T> && !std::is_same_v<std::decay_t<U>, T>
                 && !std::is_same_v<std::decay_t<U>, Expected>)
    Expected(U &&value) : m_state(std::in_place_index<0>, T(std::forward<U>(value))) {}
    template <typename F>
    Expected(Unexpected<F> error) : m_state(std::in_place_index<1>, std::move(error.error)) {}

    [[nodiscard]] bool hasValue() const { return m_state.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    // Precondition: hasValue() (respectively !hasValue() for error()). Breaking it is a bug:
    // the process stops with a message instead of throwing across a library boundary.
    [[nodiscard]] T &value() & { return *std::get_if<0>(checked(0)); }
    [[nodiscard]] const T &value() const & { return *std::get_if<0>(checked(0)); }
    [[nodiscard]] T &&value() && { return std::move(*std::get_if<0>(checked(0))); }
    [[nodiscard]] const E &error() const { return *std::get_if<1>(checked(1)); }
    [[nodiscard]] T value_or(T fallback) const & { return hasValue() ? *std::get_if<0>(&m_state) : std::move(fallback); }

    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

private:
    std::variant<T, E> *checked(std::size_t index) const
    {
        if (m_state.index() != index)
            qFatal("Expected: %s accessed on a result holding the other alternative", index == 0 ? "value" : "error");
        return const_cast<std::variant<T, E> *>(&m_state);
    }

    std::variant<T, E> m_state;
};

// For operations that return nothing on success.
struct Ok {};

} // namespace cmeet
