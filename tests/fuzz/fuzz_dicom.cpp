// A DICOM file shown in a meeting (DCMTK behind ShownImage): any bytes are decoded or refused
// with a reason, never a crash; what decodes renders every frame at the size it reports.

#include "client/imaging/shown_image.h"
#include "fuzz_support.h"
#include "protocol/image_media.h"

#include <QImage>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cmeet::fuzz::ensureApplication();
    const auto image = cmeet::imaging::ShownImage::decode(QByteArray(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size)),
                                                         QString::fromLatin1(cmeet::protocol::dicomMediaType));
    if (!image) {
        cmeet::fuzz::check(!image.error().isEmpty(), "a refusal says why");
        return 0;
    }
    for (int frame = 0; frame < std::min(image->frames(), 4); ++frame)
        cmeet::fuzz::check(image->render(frame).size() == image->size(), "each frame renders at the reported size");
    return 0;
}
