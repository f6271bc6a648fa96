#if __has_include(<zstd.h>)
#include <zstd.h>
#else
#error "zstd headers not found: install them with `apt-get install libzstd-dev`"
#endif
