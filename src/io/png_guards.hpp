#pragma once
// What stb_image 2.27 (Debian 12's libstb) gets wrong on a hostile or damaged PNG, checked or
// mended before the bytes reach it. Each guard is named after what fuzz/image_fuzz.cpp found.
// (JPEG no longer goes through stb: image.cpp's decode_jpeg says why.) Private to src/io.

#include <cstddef>
#include <string>
#include <vector>

namespace fovea::io::detail {

// stb_image copies a PNG's first IDAT chunk into a buffer it allocates only for a chunk that has
// data, so an empty first IDAT (legal, if odd) has it call memcpy on a null pointer: undefined
// behaviour. Empty IDAT chunks carry nothing, so when there are any, `without` gets the PNG with
// them left out and the answer is true; otherwise false. A chunk that runs past the data ends the
// walk (stb_image refuses the file there, after reading the chunks before it).
bool drop_empty_png_data_chunks(const unsigned char* data, size_t size, std::vector<unsigned char>& without);

// stb_image grows its buffer for a PNG's IDAT chunks to the length a chunk declares before it reads
// the chunk, so a 118-byte file declaring a 1 GiB chunk had it ask for 2 GiB (found by
// fuzz/image_fuzz.cpp). Empty, or which chunk before IEND declares more bytes than the file holds
// after its header: the file is truncated or corrupt, and refused before stb allocates anything.
std::string png_chunk_past_the_end(const unsigned char* data, size_t size);

}  // namespace fovea::io::detail
