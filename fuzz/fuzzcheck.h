#pragma once

// Shared by the libFuzzer targets (fuzz_httpresponsereader.cpp keeps its own copy, predating
// this header).

#include <QtGlobal>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

// An invariant the code under test promises. abort() rather than assert(): it must hold in the
// RelWithDebInfo build the fuzzers use (NDEBUG), and libFuzzer saves the input on SIGABRT.
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(                                                                          \
                stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #condition);        \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace Fuzz {

// Piece sizes adding up to `size`, from a seed: bits 0-1 pick the largest piece (1, 8, 64 or
// 512 bytes), the other bits seed the sizes. With `emptyPieces`, bit 2 also puts an empty piece
// after every piece (a read that returned nothing must change nothing).
inline std::vector<qsizetype> split(qsizetype size, uint8_t seed, bool emptyPieces = false)
{
    std::vector<qsizetype> pieces;
    const qsizetype maxPiece = qsizetype(1) << (3 * (seed & 3));
    const bool withEmpty = emptyPieces && (seed & 4);
    uint32_t state = 0x9E3779B9u ^ (uint32_t(seed) * 0x01000193u);
    for (qsizetype left = size; left > 0;) {
        // xorshift32: cheap, and the same seed always gives the same split (reproducible crashes).
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        const qsizetype piece = std::min(left, 1 + qsizetype(state % uint32_t(maxPiece)));
        pieces.push_back(piece);
        if (withEmpty)
            pieces.push_back(0);
        left -= piece;
    }
    return pieces;
}

} // namespace Fuzz
