#include "fovea/version.hpp"

// git_revision() is defined in a file generated at build time (cmake/GitRevision.cmake).
namespace fovea {

const char* version() { return FOVEA_VERSION_STRING; }
const char* build_type() { return FOVEA_BUILD_TYPE; }

}  // namespace fovea
