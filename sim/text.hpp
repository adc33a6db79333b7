#pragma once
// Small text helpers shared by everything that reads names from users or writes CSV.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qvsim {

// `s` with its ASCII letters in lower case.
std::string lower(std::string_view s);

// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

// Which of `known` a near miss most likely meant, for "did you mean" messages: a case-insensitive
// match first; then the closest within edit distance 2 (also comparing with the last segment of a
// dotted name, so "organisers" finds "arms.bloc.collusion.organizers"), never a complete rewrite
// of a short word; then a prefix either way. Returns its index in `known`.
std::optional<std::size_t> nearest_name(std::string_view got,
                                        std::span<const std::string_view> known);
std::optional<std::size_t> nearest_name(std::string_view got,
                                        const std::vector<std::string>& known);

// "; did you mean 'x'?" with x the name nearest_name picks from `known`, or "" when it picks none.
std::string did_you_mean(std::string_view got, std::span<const std::string_view> known);
std::string did_you_mean(std::string_view got, const std::vector<std::string>& known);

// The words joined with ", ", as messages list them ("a, b, c"); "" for none.
std::string join(std::span<const std::string_view> words);
std::string join(const std::vector<std::string>& words);

// `s` without the blanks (space, tab, CR, VT, FF) at either end.
std::string_view trim_blanks(std::string_view s) noexcept;

// The comma-separated fields of one line of an input file (no quoting), each trimmed of blanks,
// into `fields` (cleared first): "a, b,c" gives "a", "b", "c"; "" gives one empty field.
void split_fields(std::string_view line, std::vector<std::string_view>& fields);

// A CSV field: as it is, or quoted (RFC 4180) when it holds a comma, a quote or a newline.
std::string csv_field(std::string_view s);

// `s` in single quotes for an error message, cut to its first `max` characters with "..." when
// longer (a line of a binary file, say).
std::string quoted_excerpt(std::string_view s, std::size_t max);

// Appends x in shortest round-trip form, the text std::to_chars(double) gives ("0.1", "-0",
// "1e+20", "inf"); faster than it for integers below 10^5 in magnitude, which most votes are.
void append_shortest(std::string& out, double x);

// Appends a 32-bit float in its own shortest round-trip form, the text std::to_chars(float)
// gives: the fewest digits that read back as the same float ("0.1" for 0.1f, where the double it
// converts to would print as 0.10000000149011612).
void append_shortest_float(std::string& out, float x);

// An option's value (a command-line option, a keyword of the Python package) as a non-negative
// integer, or InputError (usage) "OPTION: must be a non-negative integer, got 'TEXT'".
std::uint64_t parse_count(const std::string& option, const std::string& text);

// An option's value as a finite number, or InputError (usage) "OPTION: must be a number, got ...".
double parse_number(const std::string& option, const std::string& text);

}  // namespace qvsim
