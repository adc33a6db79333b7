#include "agents/integer_votes.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace qvsim::agents {
namespace {

// Relative slack for the rounding of sums of non-negative terms (a handful of ulps per term).
double rounding_slack(std::size_t terms) noexcept {
  return 8.0 * static_cast<double>(terms + 2) * 1.1102230246251565e-16;
}

// One proposal of the search, in the search's order (largest a first).
struct Item {
  double a = 0.0;     // |a_k| > 0
  double tail = 0.0;  // sqrt(sum of a_j^2 over this item and every later one)
  std::size_t index = 0;
  bool same_as_previous = false;  // a equal to the previous item's: votes may not increase
};

// Depth-first search over the items in order; see the header for the argument.
class Search {
 public:
  struct Frame {
    double remaining = 0.0;  // credits left before this item
    double value = 0.0;      // value of the earlier items' votes
    double spent = 0.0;      // credits spent on the earlier items
    double cap = 0.0;        // the most votes this item may take
    double start = 0.0;      // first vote count tried (scanning down, then up)
    double next = 0.0;       // next vote count to try
    bool down = true;
  };
  // Scratch reused across calls on one thread, so that a voter costs no allocation.
  struct Scratch {
    std::vector<double> x, best;
    std::vector<Frame> frames;
    std::vector<std::size_t> order;
  };

  Search(std::vector<Item>& items, double credits, Scratch& scratch)
      : items_(items), credits_(credits), scratch_(scratch) {
    const std::size_t m = items_.size();
    x_.assign(m, 0.0);
    best_.assign(m, 0.0);
    frames_.resize(m);
    order_.clear();
    slack_ = rounding_slack(m);
  }

  // Phase 1: a ballot whose value is within kWholeVoteTolerance / 64 of the best.
  void maximize() {
    greedy();
    best_value_ = value_of(best_);
    phase_ = 1;
    run();
  }

  // Phase 2: among ballots worth at least (1 - tolerance) times phase 1's value, the one spending
  // the fewest credits, then the one with most votes at the lowest index.
  void economize() {
    target_ = best_value_ * (1.0 - kWholeVoteTolerance);
    best_credits_ = credits_of(best_);
    phase_ = 2;
    run();
  }

  const std::vector<double>& best() const noexcept { return best_; }

 private:
  double value_of(const std::vector<double>& x) const noexcept {
    double v = 0.0;
    for (std::size_t p = 0; p < items_.size(); ++p) v += items_[p].a * x[p];
    return v;
  }

  static double credits_of(const std::vector<double>& x) noexcept {
    double c = 0.0;
    for (const double v : x) c += v * v;
    return c;
  }

  // The initial ballot: the real optimum rounded down, then one more vote at a time where it is
  // worth most per credit, a_k / (2 x_k + 1), while it fits.
  void greedy() {
    const std::size_t m = items_.size();
    const double root = std::sqrt(credits_);
    double spent = 0.0;
    for (std::size_t p = 0; p < m; ++p) {
      best_[p] = std::min(std::floor(items_[p].a / items_[0].tail * root), largest_square_root());
      spent += best_[p] * best_[p];
    }
    while (spent > credits_) {  // the real optimum rounded up somewhere: rare
      const auto most = std::max_element(best_.begin(), best_.end());
      spent -= 2.0 * *most - 1.0;
      *most -= 1.0;
    }
    for (;;) {
      std::size_t pick = m;
      for (std::size_t p = 0; p < m; ++p) {
        const double cost = 2.0 * best_[p] + 1.0;
        if (spent + cost > credits_) continue;
        if (pick == m || items_[p].a * (2.0 * best_[pick] + 1.0) > items_[pick].a * cost) pick = p;
      }
      if (pick == m) break;
      spent += 2.0 * best_[pick] + 1.0;
      best_[pick] += 1.0;
    }
  }

  double largest_square_root() const noexcept { return largest_whole_vote(credits_); }

  static double isqrt(double c) noexcept {
    double r = std::floor(std::sqrt(c));
    while (r * r > c) r -= 1.0;
    while ((r + 1.0) * (r + 1.0) <= c) r += 1.0;
    return r;
  }

  // Sets up frame p: the vote counts item p may take and where the scan starts.
  void enter(std::size_t p, double remaining, double value, double spent) {
    Frame& f = frames_[p];
    f.remaining = remaining;
    f.value = value;
    f.spent = spent;
    const double usable = budget_left(f);
    if (usable < 0.0) {  // phase 2: already more credits than the best ballot
      f.cap = f.start = f.next = -1.0;
      f.down = false;
      return;
    }
    f.cap = isqrt(usable);
    if (items_[p].same_as_previous) f.cap = std::min(f.cap, x_[p - 1]);
    const double peak = items_[p].a / items_[p].tail * std::sqrt(usable);
    f.start = std::min(f.cap, std::floor(peak));
    f.next = f.start;
    f.down = true;
  }

  // Credits the rest of the ballot may still use from frame f: in phase 2 also no more than
  // would tie the best ballot's credits.
  double budget_left(const Frame& f) const noexcept {
    return phase_ == 1 ? f.remaining : std::min(f.remaining, best_credits_ - f.spent);
  }

  // Upper bound on the value of any completion with x votes on item p (Cauchy-Schwarz).
  double bound(std::size_t p, const Frame& f, double x) const noexcept {
    const double tail = p + 1 < items_.size() ? items_[p + 1].tail : 0.0;
    return (f.value + items_[p].a * x + tail * std::sqrt(budget_left(f) - x * x)) * (1.0 + slack_);
  }

  // A tighter bound where the real relaxation does not prune (Lagrangian duality, see the
  // header): nu R + sum over later items of max over whole y of (a y - nu y^2).
  double integer_bound(std::size_t p, const Frame& f, double x) const noexcept {
    const std::size_t m = items_.size();
    const double rest = budget_left(f) - x * x;
    double total = f.value + items_[p].a * x;
    if (p + 1 == m || rest < 1.0) return total * (1.0 + slack_);
    const double nu = items_[p + 1].tail / (2.0 * std::sqrt(rest));
    const double cap = std::floor(std::sqrt(rest));
    double dual = nu * rest;
    for (std::size_t j = p + 1; j < m; ++j) {
      const double a = items_[j].a;
      double y = std::min(std::floor(a / (2.0 * nu)), cap);
      double h = y * (a - nu * y);
      if (y + 1.0 <= cap) h = std::max(h, (y + 1.0) * (a - nu * (y + 1.0)));
      dual += h;
    }
    return (total + dual) * (1.0 + slack_);
  }

  bool prunes(double bound_value) const noexcept {
    return phase_ == 1 ? bound_value < best_value_ * (1.0 + kWholeVoteTolerance / 64.0)
                       : bound_value < target_;
  }

  // The next vote count to try in frame p, or false when none is left.
  bool next_choice(std::size_t p, double& x) {
    Frame& f = frames_[p];
    for (;;) {
      if (f.down) {
        if (f.next >= 0.0) {
          const double c = f.next;
          f.next -= 1.0;
          if (!prunes(bound(p, f, c))) {
            if (prunes(integer_bound(p, f, c))) continue;
            x = c;
            return true;
          }
          if (c < f.start) f.next = -1.0;  // below the peak the bound only falls further
          continue;
        }
        f.down = false;
        f.next = f.start + 1.0;
      }
      if (f.next > f.cap) return false;
      const double c = f.next;
      f.next += 1.0;
      if (!prunes(bound(p, f, c))) {
        if (prunes(integer_bound(p, f, c))) continue;
        x = c;
        return true;
      }
      if (c > f.start + 1.0) return false;  // above the peak the bound only falls further
    }
  }

  // The last item: the most votes that fit (phase 1), or the fewest that reach the target.
  void leaf(std::size_t p, double remaining, double value, double spent) {
    Frame f;
    f.remaining = remaining;
    f.value = value;
    f.spent = spent;
    const double usable = budget_left(f);
    if (usable < 0.0) return;
    double cap = isqrt(usable);
    if (items_[p].same_as_previous) cap = std::min(cap, x_[p - 1]);
    const double a = items_[p].a;
    if (phase_ == 1) {
      x_[p] = cap;
      const double v = value + a * cap;
      if (v > best_value_) {
        best_value_ = v;
        best_ = x_;
      }
      return;
    }
    double x = 0.0;
    if (value < target_) {
      x = std::max(0.0, std::ceil((target_ - value) / a));
      while (x > 0.0 && value + a * (x - 1.0) >= target_) x -= 1.0;
      while (x <= cap && value + a * x < target_) x += 1.0;
      if (x > cap) return;
    }
    x_[p] = x;
    const double c = spent + x * x;
    if (c < best_credits_ || (c == best_credits_ && lexicographically_larger())) {
      best_credits_ = c;
      best_ = x_;
    }
  }

  // x_ has more votes than best_ at the lowest index where they differ.
  bool lexicographically_larger() const {
    const std::size_t k = order_.size();
    for (std::size_t i = 0; i < k; ++i) {
      const std::size_t p = order_[i];
      if (x_[p] != best_[p]) return x_[p] > best_[p];
    }
    return false;
  }

  void run() {
    const std::size_t m = items_.size();
    if (phase_ == 2 && order_.empty()) {
      // Positions in the order of the original indices, for the lexicographic rule.
      order_.resize(m);
      std::iota(order_.begin(), order_.end(), std::size_t{0});
      std::sort(order_.begin(), order_.end(),
                [&](std::size_t l, std::size_t r) { return items_[l].index < items_[r].index; });
    }
    if (m == 1) {
      leaf(0, credits_, 0.0, 0.0);
      return;
    }
    enter(0, credits_, 0.0, 0.0);
    std::size_t p = 0;
    for (;;) {
      double x = 0.0;
      if (!next_choice(p, x)) {
        if (p == 0) return;
        --p;
        continue;
      }
      x_[p] = x;
      const Frame& f = frames_[p];
      const double remaining = f.remaining - x * x;
      const double value = f.value + items_[p].a * x;
      const double spent = f.spent + x * x;
      if (p + 2 == m) {
        leaf(p + 1, remaining, value, spent);
        continue;
      }
      ++p;
      enter(p, remaining, value, spent);
    }
  }

  std::vector<Item>& items_;
  double credits_;
  double slack_ = 0.0;
  int phase_ = 1;
  double best_value_ = 0.0;
  double target_ = 0.0;
  double best_credits_ = 0.0;
  Scratch& scratch_;
  std::vector<double>& x_ = scratch_.x;
  std::vector<double>& best_ = scratch_.best;
  std::vector<Frame>& frames_ = scratch_.frames;
  std::vector<std::size_t>& order_ = scratch_.order;
};

}  // namespace

double largest_whole_vote(double credits) noexcept {
  if (!(credits >= 1.0)) return 0.0;
  if (credits <= kMaxWholeCredits) {
    const double c = std::floor(credits);
    double r = std::floor(std::sqrt(c));
    while (r * r > c) r -= 1.0;
    while ((r + 1.0) * (r + 1.0) <= c) r += 1.0;
    return r;
  }
  // Beyond 2^52 every double is whole; the sign of fma(r, r, -c) is the exact sign of r^2 - c.
  double r = std::floor(std::sqrt(credits));
  while (std::fma(r, r, -credits) > 0.0) r = std::floor(std::nextafter(r, 0.0));
  return r;
}

double whole_credit_votes(std::span<const double> a, double budget, std::span<double> out) {
  assert(out.size() == a.size());
  const std::size_t kc = a.size();
  std::fill(out.begin(), out.end(), 0.0);
  thread_local std::vector<Item> items;
  items.clear();
  double top = 0.0;
  for (std::size_t k = 0; k < kc; ++k) {
    if (a[k] != 0.0) items.push_back(Item{std::fabs(a[k]), 0.0, k, false});
    top = std::max(top, std::fabs(a[k]));
  }
  if (items.empty() || !(budget >= 1.0)) return 0.0;
  const double credits = std::floor(std::min(budget, kMaxWholeCredits));
  if (budget > kMaxWholeCredits) {
    // Votes beyond 2^26: the real allocation, each |v_k| rounded down (see the header).
    double sum_sq = 0.0;
    for (const Item& it : items) sum_sq += (it.a / top) * (it.a / top);
    const double root = std::sqrt(budget) / std::sqrt(sum_sq);
    double spent = 0.0;
    for (const Item& it : items) {
      const double v = std::floor(it.a / top * root);
      out[it.index] = std::copysign(v, a[it.index]);
      spent += v * v;
    }
    return spent;
  }
  // Largest a first, lowest index among equals; scaled by the largest so squares stay finite.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& l, const Item& r) { return l.a > r.a; });
  for (Item& it : items) it.a /= top;
  double sum = 0.0;  // sum of (a_j / a_p)^2 over j >= p, so the largest term is 1
  for (std::size_t p = items.size(); p-- > 0;) {
    const double ratio = p + 1 < items.size() ? items[p + 1].a / items[p].a : 0.0;
    sum = 1.0 + ratio * ratio * sum;
    items[p].tail = items[p].a * std::sqrt(sum);
    items[p].same_as_previous = p > 0 && items[p].a == items[p - 1].a;
  }
  thread_local Search::Scratch scratch;
  Search search(items, credits, scratch);
  search.maximize();
  search.economize();
  double spent = 0.0;
  for (std::size_t p = 0; p < items.size(); ++p) {
    const double v = search.best()[p];
    const std::size_t k = items[p].index;
    out[k] = v == 0.0 ? 0.0 : std::copysign(v, a[k]);
    spent += v * v;
  }
  return spent;
}

}  // namespace qvsim::agents
