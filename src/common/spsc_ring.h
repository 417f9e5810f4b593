#pragma once
// A bounded ring between exactly one producer thread and one consumer thread. push and pop are
// one acquire load and one release store each (no lock, no read-modify-write); a side that finds
// the ring full (producer) or empty (consumer) spins a little, yields a little, then sleeps in
// std::atomic::wait (a futex on Linux) until the other side moves. The other side wakes it with
// notify_one, which costs no system call when nobody waits.
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace scamgate {

template <typename T>
class SpscRing {
public:
    // `capacity` is rounded up to a power of two.
    explicit SpscRing(std::size_t capacity) : slots_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity)) {
        if (slots_.size() > (std::size_t{1} << 31)) throw std::length_error("SpscRing capacity above 2^31");
        mask_ = static_cast<std::uint32_t>(slots_.size() - 1);
    }
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::size_t capacity() const { return slots_.size(); }

    // Producer side.
    bool try_push(const T& value) {
        const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
        slots_[tail & mask_] = value;
        tail_.store(tail + 1, std::memory_order_release);
        tail_.notify_one();
        return true;
    }
    void push(const T& value) {
        for (std::uint32_t round = 0; !try_push(value); ++round) {
            const std::uint32_t head = head_.load(std::memory_order_acquire);
            if (tail_.load(std::memory_order_relaxed) - head != slots_.size()) continue;
            if (!back_off(round)) head_.wait(head, std::memory_order_acquire);
        }
    }

    // Consumer side.
    std::optional<T> try_pop() {
        const std::uint32_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
        T value = slots_[head & mask_];
        head_.store(head + 1, std::memory_order_release);
        head_.notify_one();
        return value;
    }
    T pop() {
        for (std::uint32_t round = 0;; ++round) {
            if (auto value = try_pop()) return *value;
            const std::uint32_t tail = tail_.load(std::memory_order_acquire);
            if (tail != head_.load(std::memory_order_relaxed)) continue;
            if (!back_off(round)) tail_.wait(tail, std::memory_order_acquire);
        }
    }

private:
    // True while the caller should just try again: a few rounds of spinning (the other side is
    // usually about to move), then yielding; false once it should sleep.
    static bool back_off(std::uint32_t round) {
        constexpr std::uint32_t kSpins = 64, kYields = 16;
        if (round < kSpins) return true;
        if (round < kSpins + kYields) {
            std::this_thread::yield();
            return true;
        }
        return false;
    }

    std::vector<T> slots_;
    std::uint32_t mask_ = 0;
    // Apart, so the producer's and the consumer's writes do not bounce one cache line.
    alignas(64) std::atomic<std::uint32_t> head_{0};  // next slot to pop; written by the consumer
    alignas(64) std::atomic<std::uint32_t> tail_{0};  // next slot to push; written by the producer
};

}  // namespace scamgate
