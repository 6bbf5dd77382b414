#include "output.h"

#include <algorithm>
#include <cstdio>

namespace qtrace::cli {

size_t DisplayWidth(std::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      n = 2;
      cp = c & 0x1F;
    }
    for (size_t k = 1; k < n && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    i += n;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

namespace {

std::string Pad(const std::string& s, size_t width) {
  size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

}  // namespace

std::string Table::Render(size_t indent) const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  };
  measure(headers_);
  for (const auto& r : rows_) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string l(indent, ' ');
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      l += i + 1 == widths.size() ? cell : Pad(cell, widths[i]) + "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> upper;
  for (const auto& h : headers_) {
    std::string u = h;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return std::toupper(c); });
    upper.push_back(u);
  }
  line(upper);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string KeyValues(const std::vector<std::pair<std::string, std::string>>& rows, size_t indent) {
  size_t w = 0;
  for (const auto& [k, v] : rows) w = std::max(w, DisplayWidth(k));
  std::string out;
  for (const auto& [k, v] : rows) {
    if (v.empty()) continue;
    out += std::string(indent, ' ') + Pad(k, w) + "  " + v + "\n";
  }
  return out;
}

ProgressBar::ProgressBar(size_t total, bool enabled) : total_(total), enabled_(enabled) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(size_t done, size_t accepted, size_t rejected) {
  if (!enabled_ || finished_) return;
  constexpr size_t kWidth = 30;
  size_t filled = total_ == 0 ? kWidth : std::min(kWidth, done * kWidth / total_);
  std::string bar(filled, '#');
  bar += std::string(kWidth - filled, '.');
  std::fprintf(stderr, "\r[%s] %zu/%zu lines  accepted %zu  rejected %zu", bar.c_str(), done,
               total_, accepted, rejected);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace qtrace::cli
