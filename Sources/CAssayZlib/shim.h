#ifndef ASSAY_ZLIB_SHIM_H
#define ASSAY_ZLIB_SHIM_H
#include <zlib.h>

/// deflateInit2 is a macro Swift cannot import: gzip framing (windowBits 15 + 16).
static inline int assay_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
/// inflateInit2 for gzip or zlib framing (windowBits 15 + 32: automatic header detection).
static inline int assay_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
