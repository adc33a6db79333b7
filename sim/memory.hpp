#pragma once
// Large arrays. A replicate of a million agents allocates arrays of hundreds of megabytes (values,
// ballots, scratch); the kernel backs fresh memory page by page, and on machines where a page
// fault is slow (virtual machines) filling such an array costs more than the work done in it. On
// Linux, resize_large asks for transparent huge pages (madvise mode, Debian's default): one fault
// per 2 MiB instead of per 4 KiB. The contents and every result are unchanged; elsewhere, and
// for small arrays, it is a plain resize.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace qvsim {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

// Advises huge pages for the whole 2 MiB pages inside [data, data + bytes) (Linux; a no-op where
// the kernel declines or elsewhere).
inline void advise_huge_pages(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t lo = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t hi = (begin + bytes) & ~(kHugePage - 1);
  if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

// An allocator whose resize leaves new elements of trivial types uninitialized, so that the first
// write to each element is the pass that computes it, in parallel: a zero-filling resize would
// touch (and fault in) every page from one thread first. Allocations of a huge page or more start
// on a huge page, so that advise_huge_pages covers all of them but a partial last page (a
// replicate of 10^5 agents x 10 proposals allocates two 8 MB arrays, about 2,000 small-page
// faults each, afresh for every replicate).
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() noexcept = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  T* allocate(std::size_t n) {
    if (n >= kHugePage / sizeof(T)) {
      if (n > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
      return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kHugePage}));
    }
    return std::allocator<T>::allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n >= kHugePage / sizeof(T)) {
      ::operator delete (p, std::align_val_t{kHugePage});
      return;
    }
    std::allocator<T>::deallocate(p, n);
  }
};

// A vector for arrays of a double (or so) per agent and proposal: resize does not zero them.
template <class T>
using LargeVector = std::vector<T, DefaultInitAllocator<T>>;

// v.resize(n), advising huge pages for a fresh allocation of at least 2 MiB before it is touched.
template <class T, class A>
void resize_large(std::vector<T, A>& v, std::size_t n) {
  if (n > v.capacity() && n * sizeof(T) >= kHugePage) {
    std::vector<T, A> fresh;
    fresh.reserve(n);
    advise_huge_pages(fresh.data(), n * sizeof(T));
    fresh.assign(std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    v.swap(fresh);
  }
  v.resize(n);
}

// v.reserve(n), advising huge pages for a fresh allocation of at least 2 MiB (for arrays grown by
// appending, whose size is not known in advance).
template <class T, class A>
void reserve_large(std::vector<T, A>& v, std::size_t n) {
  if (n <= v.capacity()) return;
  if (n * sizeof(T) < kHugePage) {
    v.reserve(n);
    return;
  }
  std::vector<T, A> fresh;
  fresh.reserve(n);
  advise_huge_pages(fresh.data(), n * sizeof(T));
  fresh.assign(std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  v.swap(fresh);
}

}  // namespace qvsim
