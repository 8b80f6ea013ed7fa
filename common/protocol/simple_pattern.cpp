#include "protocol/simple_pattern.h"

#include <charconv>

namespace cmeet::protocol {
namespace {

// Characters that mean something in ECMAScript regular expressions outside a class.
bool isSpecial(char c) { return std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos; }

bool isAsciiPrintable(char c) { return c >= 0x20 && c < 0x7f; }

} // namespace

std::optional<SimplePattern> SimplePattern::compile(std::string_view pattern)
{
    if (pattern.size() < 2 || pattern.front() != '^' || pattern.back() != '$')
        return std::nullopt;
    std::string_view rest = pattern.substr(1, pattern.size() - 2);
    if (!rest.empty() && rest.back() == '\\')
        return std::nullopt; // "\$": the $ is a literal, not the anchor
    SimplePattern compiled;
    std::vector<CharacterSet> *group = nullptr; // the open group's unit
    // One character or [class] at the front of rest.
    const auto takeSet = [&rest]() -> std::optional<CharacterSet> {
        CharacterSet set{};
        if (rest.front() != '[') {
            if (isSpecial(rest.front()) || !isAsciiPrintable(rest.front()))
                return std::nullopt;
            set[static_cast<unsigned char>(rest.front())] = true;
            rest.remove_prefix(1);
            return set;
        }
        const std::size_t close = rest.find(']', 1);
        if (close == std::string_view::npos || close == 1)
            return std::nullopt;
        const std::string_view members = rest.substr(1, close - 1);
        if (members.front() == '^')
            return std::nullopt;
        for (std::size_t i = 0; i < members.size(); ++i) {
            const char first = members[i];
            if (first == '\\' || first == '[' || !isAsciiPrintable(first))
                return std::nullopt;
            if (i + 2 < members.size() && members[i + 1] == '-') { // a range; a '-' first or last is itself
                const char last = members[i + 2];
                if (last == '\\' || last == '[' || !isAsciiPrintable(last) || last < first)
                    return std::nullopt;
                for (int c = first; c <= last; ++c)
                    set[static_cast<unsigned char>(c)] = true;
                i += 2;
            } else {
                set[static_cast<unsigned char>(first)] = true;
            }
        }
        rest.remove_prefix(close + 1);
        return set;
    };
    // A {n} or {n,m} at the front of rest, or {1,1}.
    const auto takeCount = [&rest]() -> std::optional<std::pair<std::size_t, std::size_t>> {
        if (rest.empty() || rest.front() != '{')
            return std::pair<std::size_t, std::size_t>{1, 1};
        const std::size_t close = rest.find('}');
        if (close == std::string_view::npos)
            return std::nullopt;
        const std::string_view inside = rest.substr(1, close - 1);
        const std::size_t comma = inside.find(',');
        const std::string_view low = inside.substr(0, comma);
        const std::string_view high = comma == std::string_view::npos ? low : inside.substr(comma + 1);
        std::size_t min = 0;
        std::size_t max = 0;
        const auto number = [](std::string_view digits, std::size_t &out) {
            const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
            return !digits.empty() && error == std::errc() && end == digits.data() + digits.size() && out <= 100'000;
        };
        if (!number(low, min) || !number(high, max) || max < min || max == 0)
            return std::nullopt;
        rest.remove_prefix(close + 1);
        return std::pair{min, max};
    };
    while (!rest.empty()) {
        if (rest.front() == '(') {
            if (group)
                return std::nullopt; // no nesting
            compiled.m_parts.push_back({});
            group = &compiled.m_parts.back().unit;
            rest.remove_prefix(1);
            continue;
        }
        if (rest.front() == ')') {
            if (!group || group->empty())
                return std::nullopt;
            group = nullptr;
            rest.remove_prefix(1);
            const auto count = takeCount();
            if (!count)
                return std::nullopt;
            compiled.m_parts.back().min = count->first;
            compiled.m_parts.back().max = count->second;
            continue;
        }
        const auto set = takeSet();
        if (!set)
            return std::nullopt;
        const auto count = takeCount();
        if (!count)
            return std::nullopt;
        if (group) {
            if (count->first != count->second || count->first > 256)
                return std::nullopt; // a group's unit has a fixed length
            group->insert(group->end(), count->first, *set);
        } else {
            compiled.m_parts.push_back({{*set}, count->first, count->second});
        }
    }
    if (group)
        return std::nullopt;
    // Only the last part may vary in length: then there is one way to match.
    for (std::size_t i = 0; i + 1 < compiled.m_parts.size(); ++i) {
        if (compiled.m_parts[i].min != compiled.m_parts[i].max)
            return std::nullopt;
    }
    return compiled;
}

bool SimplePattern::matches(std::string_view text) const
{
    std::size_t at = 0;
    for (std::size_t i = 0; i < m_parts.size(); ++i) {
        const Part &part = m_parts[i];
        const std::size_t unit = part.unit.size();
        std::size_t times = part.min;
        if (i + 1 == m_parts.size()) { // the last part takes what is left, in whole units
            const std::size_t left = text.size() - at;
            if (left % unit != 0 || left / unit < part.min || left / unit > part.max)
                return false;
            times = left / unit;
        }
        if (text.size() - at < times * unit)
            return false;
        for (std::size_t t = 0; t < times; ++t) {
            for (const CharacterSet &set : part.unit) {
                if (!set[static_cast<unsigned char>(text[at++])])
                    return false;
            }
        }
    }
    return at == text.size();
}

} // namespace cmeet::protocol
