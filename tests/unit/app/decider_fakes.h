#pragma once
// Test doubles for the one-decision tests: a decider that counts the judgements it passes on, and
// a sink that keeps every record it receives.
#include <vector>

#include "record/contact.h"

namespace scamgate::test_support {

class CountingDecider final : public record::ContactDecider {
public:
    explicit CountingDecider(record::ContactDecider& next) : next_(next) {}
    void decide(record::Contact& contact) override {
        ++decisions;
        next_.decide(contact);
    }
    int decisions = 0;

private:
    record::ContactDecider& next_;
};

class CollectContacts final : public record::ContactSink {
public:
    void on_contact(const record::Contact& contact) override { contacts.push_back(contact); }
    std::vector<record::Contact> contacts;
};

}  // namespace scamgate::test_support
