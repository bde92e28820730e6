// stb_image's implementation, compiled into image_fuzz so that the decoder itself is instrumented
// (ASan, UBSan, coverage). fovea links Debian's prebuilt libstb, which the sanitizers cannot see
// into; the executable's definitions of the stbi_* functions take precedence over libstb's for
// libfovea's calls (ELF interposition), so the fuzzer runs the same decoder, the same header's
// version, instrumented.
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
