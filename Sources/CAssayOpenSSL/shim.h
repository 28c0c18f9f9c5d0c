#ifndef ASSAY_OPENSSL_SHIM_H
#define ASSAY_OPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#endif
