// The system zlib (Debian: zlib1g-dev), for reading gzip-compressed IDX files.
#include <zlib.h>
