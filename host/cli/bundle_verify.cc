#include "bundle_verify.h"

#include <cstring>
#include <set>

#include "bundle.h"
#include "qtrace/encoding.h"
#include "qtrace/host/state.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/time.h"

namespace qtrace::cli {
namespace {

using host::RoleBit;
using host::RoleMask;

std::string_view Bytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}
std::string_view Sv(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : s->string_view();
}
int64_t Micros(const fb::Timestamp* t) { return t == nullptr ? 0 : t->micros(); }
std::string At(uint64_t index) { return "log index " + std::to_string(index) + ": "; }
std::string ShortId(std::string_view raw_id) { return HexEncode(raw_id).substr(0, 16) + "..."; }

// Replays the bundle's records against the keys they register.
class BundleChecker {
 public:
  BundleChecker(const VerifyingKey& host_key, VerifiedBundle* out)
      : host_key_(host_key), out_(out) {}

  Status Check(uint64_t index, const fb::LogEntry& e) {
    auto rec_or = RecordOfEntry(e);
    if (!rec_or.ok()) return InvalidArgument(At(index) + rec_or.status().message());
    const fb::Record& r = **rec_or;
    const std::string_view type = Sv(e.payload_type());
    const std::string_view payload = Bytes(e.payload());
    const std::string_view signature = Bytes(e.signature());
    const std::string key_id(Bytes(e.key_id()));
    if (r.header() == nullptr) return InvalidArgument(At(index) + "record has no header");
    const std::string party(Sv(r.header()->party()));
    ++out_->by_type[std::string(BodyTypeName(r.body_type()))];

    if (r.body_type() == fb::Body::Genesis) return Genesis(index, r, type, payload, signature, key_id);
    if (!genesis_seen_) {
      return InvalidArgument(At(index) +
                             "the bundle does not start with the genesis record (log index 0), "
                             "so no key is registered");
    }
    auto kit = out_->keys.find(key_id);
    if (kit == out_->keys.end()) {
      return Unauthenticated(At(index) + "signed by key " + ShortId(key_id) +
                             ", which no earlier record in the bundle registers");
    }
    const RegisteredKey& k = kit->second;
    if (k.revoked && k.revoked_index < index) {
      return Unauthenticated(At(index) + "signed by a key of " + k.party +
                             " that was revoked at log index " + std::to_string(k.revoked_index));
    }
    if (party != k.party) {
      return Unauthenticated(At(index) + "states party '" + party +
                             "' but is signed by a key of '" + k.party + "'");
    }
    if (!k.key.VerifyRecord(type, payload, signature)) {
      return Unauthenticated(At(index) + "record signature does not verify with the key of " +
                             k.party + " registered at log index " +
                             std::to_string(k.added_index));
    }
    host::KeyInfo role_key;
    role_key.party_id = k.party;
    role_key.roles = parties_.at(k.party).roles;
    Status role = host::LedgerState::CheckRole(role_key, r.body_type());
    if (!role.ok()) return PermissionDenied(At(index) + role.message());
    signed_by_[index] = key_id;
    return Apply(index, r, k.party);
  }

  Status Finish(const std::string& lot) {
    if (lots_.count(lot) == 0) {
      return InvalidArgument("the bundle does not hold the registration of its lot " + lot);
    }
    return Status::Ok();
  }

 private:
  struct Party {
    RoleMask roles = 0;
    uint64_t index = 0;
  };

  Status Genesis(uint64_t index, const fb::Record& r, std::string_view type,
                 std::string_view payload, std::string_view signature,
                 const std::string& key_id) {
    if (index != 0 || genesis_seen_) {
      return InvalidArgument(At(index) + "a genesis record is only valid at log index 0");
    }
    const fb::Genesis* g = r.body_as_Genesis();
    if (Bytes(g->host_key()) != AsBytes(host_key_.raw())) {
      return Unauthenticated(At(0) + "the genesis record names another host key than --host-key");
    }
    if (key_id != AsBytes(host_key_.id()) || !host_key_.VerifyRecord(type, payload, signature)) {
      return Unauthenticated(At(0) + "the genesis record signature does not verify with the host key");
    }
    genesis_seen_ = true;
    const std::string host_party(Sv(g->host_party()));
    const std::string admin_party(Sv(g->admin_party()));
    parties_[host_party] = {RoleBit(fb::Role::HOST), 0};
    parties_[admin_party] = {RoleBit(fb::Role::ADMIN), 0};
    QT_RETURN_IF_ERROR(AddKey(0, host_party, AsBytes(host_key_.raw())));
    if (g->admin_keys() == nullptr || g->admin_keys()->size() == 0) {
      return InvalidArgument(At(0) + "genesis registers no admin key");
    }
    for (const fb::PublicKey* k : *g->admin_keys()) {
      QT_RETURN_IF_ERROR(AddKey(0, admin_party, Bytes(k->key())));
    }
    return Status::Ok();
  }

  Status AddKey(uint64_t index, const std::string& party, std::string_view raw) {
    auto vk = VerifyingKey::FromRaw(raw);
    if (!vk.ok()) return InvalidArgument(At(index) + "bad public key: " + vk.status().message());
    std::string id(AsBytes(vk->id()));
    if (out_->keys.count(id) != 0) {
      return InvalidArgument(At(index) + "registers key " + ShortId(id) + " a second time");
    }
    RegisteredKey rk;
    rk.key = *vk;
    rk.party = party;
    rk.added_index = index;
    out_->keys.emplace(std::move(id), std::move(rk));
    return Status::Ok();
  }

  bool IsAuthority(const std::string& party) const {
    auto it = parties_.find(party);
    return it != parties_.end() &&
           (it->second.roles & (RoleBit(fb::Role::ADMIN) | RoleBit(fb::Role::REGULATOR))) != 0;
  }

  Status RevokeKey(uint64_t index, const std::string& party, const fb::Hash256* id,
                   int64_t compromised_since) {
    if (id == nullptr) return InvalidArgument(At(index) + "no key id to revoke");
    std::string raw(reinterpret_cast<const char*>(id->bytes()->data()), 32);
    auto it = out_->keys.find(raw);
    if (it == out_->keys.end() || it->second.party != party) {
      return InvalidArgument(At(index) + "revokes key " + ShortId(raw) +
                             ", which the bundle does not register for party " + party);
    }
    RegisteredKey& k = it->second;
    if (!k.revoked) {
      k.revoked = true;
      k.revoked_index = index;
    }
    if (compromised_since != INT64_MAX) k.compromised_since = compromised_since;
    return Status::Ok();
  }

  // Lot `ref` (named by the record at `index`) must be registered earlier.
  Status NeedLot(uint64_t index, const fb::LotRef* ref, std::string_view what) {
    if (ref == nullptr) return InvalidArgument(At(index) + std::string(what) + ": no lot");
    std::string key = FormatLotRef(ref);
    if (lots_.count(key) == 0) {
      return FailedPrecondition(At(index) + std::string(what) + " names lot " + key +
                                ", whose registration is not in the bundle before it");
    }
    return Status::Ok();
  }
  // A record that moves several lots (shipment, receipt, disposition,
  // aggregation) may also name lots outside the lineage; it must name at
  // least one lot registered earlier in the bundle (unless `other_link`: it
  // is tied to the bundle otherwise, e.g. by containers or its shipment).
  template <typename Items>
  Status NeedAnyItem(uint64_t index, const Items* items, std::string_view what,
                     bool other_link = false) {
    std::string named;
    if (items != nullptr) {
      for (const auto* item : *items) {
        if (item->lot() == nullptr) continue;
        std::string key = FormatLotRef(item->lot());
        if (lots_.count(key) != 0) return Status::Ok();
        if (named.size() < 200) named += (named.empty() ? "" : ", ") + key;
      }
    }
    if (other_link) return Status::Ok();
    return FailedPrecondition(At(index) + std::string(what) +
                              " names no lot whose registration is in the bundle before it (" +
                              (named.empty() ? std::string("no lots") : named) + ")");
  }

  Status Apply(uint64_t index, const fb::Record& r, const std::string& signer) {
    switch (r.body_type()) {
      case fb::Body::PartyRegistration: {
        const auto* p = r.body_as_PartyRegistration();
        std::string id(Sv(p->party_id()));
        if (parties_.count(id) != 0) {
          return InvalidArgument(At(index) + "registers party " + id + " a second time");
        }
        RoleMask roles = 0;
        if (p->roles() != nullptr) {
          for (auto role : *p->roles()) roles |= RoleBit(static_cast<fb::Role>(role));
        }
        if ((roles & RoleBit(fb::Role::ADMIN)) != 0 &&
            (parties_.at(signer).roles & RoleBit(fb::Role::ADMIN)) == 0) {
          return PermissionDenied(At(index) + "only an admin registers another admin");
        }
        parties_[id] = {roles, index};
        if (p->keys() != nullptr) {
          for (const fb::PublicKey* k : *p->keys()) QT_RETURN_IF_ERROR(AddKey(index, id, Bytes(k->key())));
        }
        return Status::Ok();
      }
      case fb::Body::KeyRotation: {
        const auto* k = r.body_as_KeyRotation();
        std::string id(Sv(k->party_id()));
        if (parties_.count(id) == 0) {
          return FailedPrecondition(At(index) + "rotates a key of party " + id +
                                    ", whose registration is not in the bundle");
        }
        if (signer != id && !IsAuthority(signer)) {
          return PermissionDenied(At(index) + signer + " may not rotate the keys of " + id);
        }
        if (k->new_key() == nullptr) return InvalidArgument(At(index) + "no new key");
        if (k->retire_key_id() != nullptr) {
          QT_RETURN_IF_ERROR(RevokeKey(index, id, k->retire_key_id(), INT64_MAX));
        }
        return AddKey(index, id, Bytes(k->new_key()->key()));
      }
      case fb::Body::KeyRevocation: {
        const auto* k = r.body_as_KeyRevocation();
        std::string id(Sv(k->party_id()));
        if (parties_.count(id) == 0) {
          return FailedPrecondition(At(index) + "revokes a key of party " + id +
                                    ", whose registration is not in the bundle");
        }
        if (signer != id && !IsAuthority(signer)) {
          return PermissionDenied(At(index) + signer + " may not revoke the keys of " + id);
        }
        int64_t since = Micros(k->compromised_since());
        if (since == 0) since = Micros(r.header()->event_time());
        std::string raw = k->key_id() ? std::string(reinterpret_cast<const char*>(
                                                        k->key_id()->bytes()->data()),
                                                    32)
                                      : std::string();
        QT_RETURN_IF_ERROR(RevokeKey(index, id, k->key_id(), since));
        // Records already in the bundle signed at or after `since`.
        for (const auto& [i, kid] : signed_by_) {
          if (kid == raw && event_times_[i] >= since) {
            out_->warnings.push_back(At(i) + "signed with a key of " + id +
                                     " reported compromised since " + FormatMicrosUtc(since) +
                                     " (revoked at log index " + std::to_string(index) + ")");
          }
        }
        return Status::Ok();
      }
      case fb::Body::ProductRegistration: {
        const auto* p = r.body_as_ProductRegistration();
        products_.insert(std::string(SchemeName(p->scheme())) + ":" + std::string(Sv(p->product_id())));
        return Status::Ok();
      }
      case fb::Body::UnitRegistration: {
        units_.insert(signer + "\n" + std::string(Sv(r.body_as_UnitRegistration()->unit_id())));
        return Status::Ok();
      }
      case fb::Body::UnitEvent: {
        const auto* u = r.body_as_UnitEvent();
        std::string unit(Sv(u->unit()));
        if (units_.count(signer + "\n" + unit) == 0) {
          return FailedPrecondition(At(index) + "names unit " + unit + " of " + signer +
                                    ", whose registration is not in the bundle before it");
        }
        if (u->kind() == fb::UnitEventKind::INPUT_APPLIED ||
            (u->kind() == fb::UnitEventKind::STORED && u->input() != nullptr)) {
          QT_RETURN_IF_ERROR(NeedLot(index, u->input(), "the unit event"));
        }
        return Status::Ok();
      }
      case fb::Body::LotRegistration: {
        const auto* l = r.body_as_LotRegistration();
        if (l->lot() == nullptr) return InvalidArgument(At(index) + "lot registration without a lot");
        std::string product = std::string(SchemeName(l->lot()->scheme())) + ":" +
                              std::string(Sv(l->lot()->product()));
        if (products_.count(product) == 0) {
          return FailedPrecondition(At(index) + "lot " + FormatLotRef(l->lot()) +
                                    " is of product " + product +
                                    ", whose registration is not in the bundle before it");
        }
        if (l->inputs() != nullptr) {
          for (const fb::Input* in : *l->inputs()) {
            QT_RETURN_IF_ERROR(NeedLot(index, in->lot(), "input of lot " + FormatLotRef(l->lot())));
          }
        }
        if (l->units() != nullptr) {
          for (const fb::UnitUse* u : *l->units()) {
            std::string unit(Sv(u->unit()));
            if (units_.count(signer + "\n" + unit) == 0) {
              return FailedPrecondition(At(index) + "lot " + FormatLotRef(l->lot()) +
                                        " was made on unit " + unit + " of " + signer +
                                        ", whose registration is not in the bundle before it");
            }
          }
        }
        lots_.insert(FormatLotRef(l->lot()));
        ++out_->lots;
        return Status::Ok();
      }
      case fb::Body::Aggregation: {
        const auto* a = r.body_as_Aggregation();
        return NeedAnyItem(index, a->child_lots(), "the aggregation",
                           a->children() != nullptr && a->children()->size() > 0);
      }
      case fb::Body::Shipment: {
        const auto* s = r.body_as_Shipment();
        QT_RETURN_IF_ERROR(NeedAnyItem(index, s->items(), "the shipment",
                                       s->containers() != nullptr && s->containers()->size() > 0));
        shipments_.insert(signer + "\n" + std::string(Sv(s->shipment_id())));
        return Status::Ok();
      }
      case fb::Body::Receipt: {
        const auto* rc = r.body_as_Receipt();
        std::string key = std::string(Sv(rc->from())) + "\n" + std::string(Sv(rc->shipment_id()));
        if (shipments_.count(key) == 0) {
          return FailedPrecondition(At(index) + "receipts shipment " +
                                    std::string(Sv(rc->shipment_id())) + " of " +
                                    std::string(Sv(rc->from())) +
                                    ", which is not in the bundle before it");
        }
        return Status::Ok();
      }
      case fb::Body::Disposition:
        return NeedAnyItem(index, r.body_as_Disposition()->items(), "the disposition");
      case fb::Body::Adjustment:
        return NeedLot(index, r.body_as_Adjustment()->lot(), "the adjustment");
      case fb::Body::LotStatusChange:
        return NeedLot(index, r.body_as_LotStatusChange()->lot(), "the status change");
      default:
        return Status::Ok();
    }
  }

 public:
  void NoteEventTime(uint64_t index, const fb::LogEntry& e) {
    auto rec = RecordOfEntry(e);
    if (rec.ok() && (*rec)->header() != nullptr) {
      event_times_[index] = Micros((*rec)->header()->event_time());
    }
  }

 private:
  const VerifyingKey& host_key_;
  VerifiedBundle* out_;
  bool genesis_seen_ = false;
  std::map<std::string, Party> parties_;
  std::set<std::string> products_, units_, lots_, shipments_;
  std::map<uint64_t, std::string> signed_by_;  // index -> raw key id
  std::map<uint64_t, int64_t> event_times_;
};

}  // namespace

StatusOr<VerifiedBundle> VerifyBundle(std::string_view text, const VerifyingKey& host_key,
                                      const std::optional<std::string>& key_name) {
  QT_ASSIGN_OR_RETURN(Bundle b, ParseBundle(text));
  VerifiedBundle out;
  auto cp = [&]() -> StatusOr<Checkpoint> {
    std::string name;
    if (key_name) {
      name = *key_name;
    } else {
      auto unverified = ParseCheckpointUnverified(b.checkpoint_note);
      if (!unverified.ok()) return unverified.status();
      name = unverified->origin;
    }
    return OpenCheckpoint(b.checkpoint_note, host_key, name);
  }();
  if (!cp.ok()) return Unauthenticated("checkpoint: " + cp.status().message());
  out.checkpoint = *cp;
  out.lot = b.lot;
  out.entries = b.entries.size();

  // Leaf hashes and inclusion, then the records in log order.
  BundleChecker checker(host_key, &out);
  for (const BundleEntry& be : b.entries) {
    if (be.index >= cp->size) {
      return InvalidArgument(At(be.index) + "beyond the checkpoint's tree size " +
                             std::to_string(cp->size));
    }
    auto e = VerifyLogEntry(be.entry);
    if (!e.ok()) return InvalidArgument(At(be.index) + "entry does not decode: " + e.status().message());
    if ((*e)->index() != be.index) {
      return InvalidArgument(At(be.index) + "the entry says it is log index " +
                             std::to_string((*e)->index()));
    }
    Status inc = VerifyInclusion(LeafHash(be.entry), be.index, cp->size, be.proof, cp->root);
    if (!inc.ok()) {
      return InvalidArgument(At(be.index) + "the entry is not included in the checkpoint (size " +
                             std::to_string(cp->size) + "): " + inc.message());
    }
  }
  for (const BundleEntry& be : b.entries) {
    const fb::LogEntry* e = fb::GetLogEntry(be.entry.data());
    checker.NoteEventTime(be.index, *e);
    QT_RETURN_IF_ERROR(checker.Check(be.index, *e));
  }
  QT_RETURN_IF_ERROR(checker.Finish(b.lot));
  return out;
}

CommandResult VerifyBundleText(std::string_view text, const VerifyingKey& host_key,
                               const std::optional<std::string>& key_name) {
  auto v = VerifyBundle(text, host_key, key_name);
  if (!v.ok()) {
    if (v.status().reason() == "bad_bundle") return UsageError(v.status().message());
    return Invalid(v.status().message());
  }
  std::string out = "valid\n";
  out += "log: " + v->checkpoint.origin + "\n";
  out += "tree size: " + std::to_string(v->checkpoint.size) + "\n";
  out += "checkpoint time: " + FormatCheckpointTime(v->checkpoint.time_micros) + "\n";
  out += "lot: " + v->lot + "\n";
  out += "entries: " + std::to_string(v->entries) + " (";
  bool first = true;
  for (const auto& [type, n] : v->by_type) {
    out += (first ? "" : ", ") + type + " " + std::to_string(n);
    first = false;
  }
  out += ")\n";
  out += "checks: checkpoint signature, leaf hashes, inclusion proofs: valid; record signatures: " +
         std::to_string(v->entries) +
         " valid against keys registered in the bundle; lineage: " + std::to_string(v->lots) +
         " lots; every input, product, unit and receipted shipment registered in the bundle\n";
  for (const std::string& w : v->warnings) out += "warning: " + w + "\n";
  return Success(std::move(out));
}

}  // namespace qtrace::cli
