// The link syntax parser (nic_emu/link_syntax.hpp) on arbitrary text: it either returns a
// configuration or throws core::ConfigError, nothing else; and a configuration's canonical form
// parses back to the same canonical form.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "nic_emu/link_syntax.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // jitter=empirical:PATH reads a file; arbitrary paths (/dev/zero) are not the parser's
    // business.
    if (text.find("empirical") != std::string::npos) {
        return 0;
    }
    tb::nic::LinkConfig config;
    try {
        config = tb::nic::parse_link(text);
    } catch (const tb::core::ConfigError&) {
        return 0;
    }
    const std::string canonical = tb::nic::format_link(config);
    try {
        if (tb::nic::format_link(tb::nic::parse_link(canonical)) != canonical) {
            std::abort();
        }
    } catch (const tb::core::ConfigError&) {
        std::abort();  // a canonical form that does not parse
    }
    return 0;
}
