// A fuzz target's main() in the ordinary and sanitizer builds, without libFuzzer: runs the target
// once on each file named (or each file in each directory named), so ctest replays the committed
// seed corpora and every input a fuzzing run ever found. Fails when there was nothing to run.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs(int argc, char **argv)
{
    std::vector<std::filesystem::path> paths;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path path(argv[i]);
        if (std::filesystem::is_directory(path)) {
            for (const auto &entry : std::filesystem::directory_iterator(path))
                if (entry.is_regular_file())
                    paths.push_back(entry.path());
        } else {
            paths.push_back(path);
        }
    }
    std::sort(paths.begin(), paths.end()); // the same order on every machine
    return paths;
}

} // namespace

int main(int argc, char **argv)
{
    const std::vector<std::filesystem::path> paths = inputs(argc, argv);
    for (const auto &path : paths) {
        std::ifstream file(path, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        if (!file.good() && !file.eof()) {
            std::fprintf(stderr, "cannot read %s\n", path.c_str());
            return 1;
        }
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
    }
    std::printf("replayed %zu inputs\n", paths.size());
    return paths.empty() ? 1 : 0;
}
