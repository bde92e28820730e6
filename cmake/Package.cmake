# `cpack -G DEB` (scripts/package.sh) makes fovea_<version>_amd64.deb from what `cmake --install`
# lays out, under /usr. Its Depends are computed from the binaries by dpkg-shlibdeps, so they
# name exactly the libraries (and versions) this build links: oneDNN, libgomp, curl, ...
set(CPACK_PACKAGE_NAME fovea)
set(CPACK_PACKAGE_VENDOR "fovea")
set(CPACK_PACKAGE_CONTACT "fovea developers <fovea@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "train and ship convolutional networks in C++ (library, headers and the fovea command)")
set(CPACK_PACKAGE_DESCRIPTION "fovea is a deep-learning framework in C++20 with PyTorch's programming model, built for convolutional networks. This package holds the shared library, its headers with a CMake package and a pkg-config file, and the fovea command.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # fovea_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The fovea command finds libfovea next to it through its RPATH ($ORIGIN/../lib); tell
# dpkg-shlibdeps the same, so it does not look for libfovea among the system's packages.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
# What no binary links but the pictures need: their text is set in DejaVu Sans, which cairo finds
# through fontconfig. CPack adds this to the computed Depends.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)  # a shlibs file, so packages built on fovea get their Depends too
set(CPACK_STRIP_FILES ON)
include(CPack)
