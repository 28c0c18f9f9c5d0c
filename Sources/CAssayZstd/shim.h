#ifndef ASSAY_ZSTD_SHIM_H
#define ASSAY_ZSTD_SHIM_H
// The experimental parameters (ZSTD_d_windowLogMax is stable; ZSTD_c_checksumFlag too).
#include <zstd.h>
#include <zstd_errors.h>
#endif
