#pragma once
// The bundled Viet Nam plan, loaded once per test binary (read-only after loading).
#include <string>

#include "phone/number.h"
#include "phone/plan.h"

namespace phone_test {

inline const std::string kSource = SCAMGATE_SOURCE_DIR;

inline const scamgate::phone::NumberingPlan& vn() {
    static const scamgate::phone::NumberingPlan plan =
        scamgate::phone::load_plan(kSource + "/config/numbering/vn.yaml");
    return plan;
}

}  // namespace phone_test
