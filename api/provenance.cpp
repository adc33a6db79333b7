#include "api/provenance.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string_view>

#include "sim/error.hpp"
#include "sim/hash.hpp"
#include "sim/input_file.hpp"

namespace qvsim {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kFigureTag = "qvsim results fnv1a64 ";

// The 16 hex digits after kFigureTag in `text`, or "".
std::string tagged_hash(std::string_view text) {
  const std::size_t at = text.find(kFigureTag);
  if (at == std::string_view::npos || at + kFigureTag.size() + 16 > text.size()) return {};
  const std::string_view h = text.substr(at + kFigureTag.size(), 16);
  const bool hex = std::all_of(
      h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  return hex ? std::string(h) : std::string();
}

std::uint32_t be32(std::string_view s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

}  // namespace

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::uint64_t file_fnv1a64(const fs::path& file) {
  InputFile in(file, std::numeric_limits<std::uint64_t>::max(), file.filename().string());
  std::istream& f = in.stream();
  std::uint64_t h = kFnv1a64Basis;
  std::string buf(1 << 20, '\0');
  while (f.read(buf.data(), static_cast<std::streamsize>(buf.size())) || f.gcount() > 0)
    h = fnv1a64(std::string_view(buf.data(), static_cast<std::size_t>(f.gcount())), h);
  return h;
}

std::vector<fs::path> threshold_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    std::error_code e2;
    if (e.is_regular_file(e2) && name.rfind("threshold", 0) == 0 &&
        e.path().extension() == ".csv") {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

ResultsHash results_hash(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const char* name : {"runs.csv", "summary.csv"}) {
    std::error_code ec;
    if (fs::exists(dir / name, ec)) files.push_back(dir / name);
  }
  for (const auto& t : threshold_files(dir)) files.push_back(t);
  ResultsHash r;
  if (files.empty()) return r;
  std::string lines;
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    const std::string h = hex64(file_fnv1a64(f));
    lines += name + " " + h + "\n";
    r.files.emplace_back(name, h);
  }
  r.hex = hex64(fnv1a64(lines));
  return r;
}

std::string figure_results_hash(const fs::path& figure) {
  std::string bytes;
  try {
    bytes = read_input_file(figure, std::uint64_t{256} << 20, "figure");
  } catch (const InputError&) {
    return {};
  }
  if (figure.extension() == ".svg") {
    const std::size_t open = bytes.find("<dc:source>");
    const std::size_t close = bytes.find("</dc:source>");
    if (open == std::string::npos || close == std::string::npos || close < open) return {};
    return tagged_hash(std::string_view(bytes).substr(open, close - open));
  }
  // PNG: the signature, then chunks of (length, type, data, CRC); the hash is in a tEXt chunk
  // "Source\0qvsim results fnv1a64 HASH", before the image data.
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {};
  for (std::size_t at = 8; at + 12 <= bytes.size();) {
    const std::uint64_t len = be32(bytes, at);
    if (at + 12 + len > bytes.size()) return {};
    const std::string_view type(bytes.data() + at + 4, 4);
    const std::string_view data(bytes.data() + at + 8, len);
    if (type == "tEXt" && data.rfind(std::string_view("Source\0", 7), 0) == 0)
      return tagged_hash(data.substr(7));
    if (type == "IDAT" || type == "IEND") return {};
    at += 12 + len;
  }
  return {};
}

void remove_derived_files(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir / "plots", ec);
  fs::remove_all(dir / "analysis", ec);
  fs::remove(dir / "report.html", ec);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(kPlotStagingPrefix, 0) == 0) {
      std::error_code e2;
      fs::remove_all(e.path(), e2);
    }
  }
}

void refuse_funding_results(const std::filesystem::path& dir, const std::string& command) {
  // A funding manifest says so in its first lines (api/funding_run.cpp); 4 KiB reach past them.
  // Anything but a regular file (a FIFO would block the read) is left to the checks that follow.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(dir / "manifest.json", ec)) return;
  std::ifstream f(dir / "manifest.json", std::ios::binary);
  std::string head(4096, '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(f.gcount()));
  if (head.find("\n  \"kind\": \"funding\"") == std::string::npos) return;
  throw InputError((dir / "manifest.json").string(), 0, "",
                   "'" + command +
                       "' reads voting runs and sweeps; this folder holds a quadratic funding run "
                       "(kind: funding), whose summary.csv is its analysis (docs/funding.md)",
                   ErrorKind::invalid);
}

}  // namespace qvsim
