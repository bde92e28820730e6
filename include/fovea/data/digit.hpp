#pragma once
// A picture of one handwritten digit, made to look like an MNIST sample so that a network trained
// on MNIST can read it (`fovea predict`).
//
// MNIST (LeCun et al., http://yann.lecun.com/exdb/mnist/) was made from NIST's black-and-white
// digits: each was size-normalised to fit a 20x20 box keeping its aspect ratio (anti-aliased, hence
// the grey levels), then placed in a 28x28 field so that its centre of mass sits at the centre,
// white ink on black.
#include "fovea/tensor.hpp"

namespace fovea::data {

// Turns a grayscale H x W image in [0, 1] (io::read_image_gray's output) into a 1 x 28 x 28 tensor
// in [0, 1], white digit on black:
//  * 28 x 28 input is taken to be MNIST-like already and used as it is, only inverted when its
//    background is light.
//  * Any other size: inverted when the background is light (decided from the border pixels);
//    the paper level (median of the border) subtracted and the ink stretched to reach 1, so a grey
//    pencil on grey paper reads like MNIST's full-contrast strokes; the bounding box of the ink
//    cropped, resampled to fit 20 x 20 keeping its aspect ratio (area-averaging when shrinking,
//    linear interpolation when enlarging) and pasted into a black 28 x 28 canvas so that its centre
//    of mass lands on pixel (14, 14), the shift rounded to whole pixels as in MNIST. A digit whose
//    centre of mass is so far off-centre that the shift would push ink off the canvas is shifted
//    only as far as keeps all of it on (a clipped stroke can turn a 7 into a 1).
// Throws fovea::ShapeError unless `gray` is 2-d, fovea::ValueError for values outside [0, 1] and
// for a blank image (no pixel stands out from the background): no silent guess.
Tensor prepare_digit(const Tensor& gray);

}  // namespace fovea::data
