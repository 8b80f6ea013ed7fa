#pragma once
// The simple regular expressions the event schemas use for identifiers, matched without
// std::regex (a tenth of an audit's time went to std::regex over ids, addresses and signatures).

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace cmeet::protocol {

// A pattern anchored at both ends (^...$) made of literal characters and [classes] (characters
// and ranges, no negation), each optionally repeated {n} or {n,m}, and of groups (...) of those
// repeated the same way, where every part but the last has a fixed length. Such a pattern has
// one way to match, so it is checked left to right without backtracking, byte by byte as
// std::regex checks a std::string. compile() refuses anything else: the caller keeps std::regex
// for it.
class SimplePattern {
public:
    [[nodiscard]] static std::optional<SimplePattern> compile(std::string_view pattern);
    // Whether text matches, as std::regex_search(text, std::regex(pattern)) says.
    [[nodiscard]] bool matches(std::string_view text) const;

private:
    using CharacterSet = std::array<bool, 256>;
    // unit repeated from min to max times.
    struct Part {
        std::vector<CharacterSet> unit;
        std::size_t min = 1;
        std::size_t max = 1;
    };
    std::vector<Part> m_parts;
};

} // namespace cmeet::protocol
