// OpenSSL's one-shot digests (EVP_Digest), for content digests of image files.
#include <openssl/evp.h>
