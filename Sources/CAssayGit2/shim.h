#ifndef ASSAY_GIT2_SHIM_H
#define ASSAY_GIT2_SHIM_H
#include <git2.h>
#endif
