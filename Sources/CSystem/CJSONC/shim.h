#if __has_include(<json-c/json.h>)
#include <json-c/json.h>
#else
#error "json-c headers not found: install them with `apt-get install libjson-c-dev`"
#endif
