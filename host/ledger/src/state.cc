#include "qtrace/host/state.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>

#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/storage/keys.h"
#include "qtrace/time.h"
#include "qtrace/validators.h"

namespace qtrace::host {
namespace {

using storage::KeyBuilder;

std::string_view Sv(const flatbuffers::String* s) {
  return s ? s->string_view() : std::string_view();
}

std::string KeyIdBytes(const KeyId& id) { return std::string(AsBytes(id)); }

std::string LotKey(fb::IdScheme scheme, std::string_view product, std::string_view lot) {
  return KeyBuilder().U8(static_cast<uint8_t>(scheme)).Str(product).Str(lot).Build();
}
std::string ProductKey(fb::IdScheme scheme, std::string_view id) {
  return KeyBuilder().U8(static_cast<uint8_t>(scheme)).Str(id).Build();
}
std::string OwnedKey(uint32_t owner, std::string_view id) {
  return KeyBuilder().U32(owner).Str(id).Build();
}
uint64_t IdPrefix(const Hash256& id) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | id[i];
  return v;
}

// The lineage index refuses only on exhausted id space or a caller bug; by
// then the state is half-applied, so the ledger treats it as fatal.
Status LineageOk(const Status& s) {
  if (s.ok()) return s;
  return Internal("lineage index: " + s.ToString(), "lineage_failed");
}

Status Rule(std::string message, std::string reason) {
  return FailedPrecondition(std::move(message), std::move(reason));
}

int64_t Micros(const fb::Timestamp* t) { return t ? t->micros() : 0; }

std::string FormatMicros(int64_t micros) { return FormatMicrosUtc(micros); }

// Lot statuses under which stock may not move on (be used, shipped, sold).
bool Blocks(fb::LotStatus s) { return s != fb::LotStatus::RELEASED; }

std::string_view StatusName(fb::LotStatus s) {
  switch (s) {
    case fb::LotStatus::RELEASED: return "released";
    case fb::LotStatus::QUARANTINED: return "quarantined";
    case fb::LotStatus::ON_HOLD: return "on hold";
    case fb::LotStatus::RECALLED: return "recalled";
    case fb::LotStatus::DESTROYED: return "destroyed";
  }
  return "unknown";
}

bool LooksLikeUscc(std::string_view id) {
  if (id.size() != 18) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

}  // namespace

// ---- LotInfo ------------------------------------------------------------------

const Holding* LotInfo::HoldingOf(PartyIdx p) const {
  for (const auto& h : holdings) {
    if (h.party == p) return &h;
  }
  return nullptr;
}

Holding& LotInfo::MutableHolding(PartyIdx p) {
  for (auto& h : holdings) {
    if (h.party == p) return h;
  }
  holdings.push_back(Holding{});
  holdings.back().party = p;
  return holdings.back();
}

// ---- LedgerState ----------------------------------------------------------------

LedgerState::LedgerState(LineageIndex* lineage, EntryLoader load_entry,
                         StateLimits limits)
    : lineage_(lineage), limits_(limits), load_entry_(std::move(load_entry)) {}

const KeyInfo* LedgerState::FindKey(const KeyId& id) const {
  auto it = keys_.find(KeyIdBytes(id));
  return it == keys_.end() ? nullptr : &it->second;
}

std::optional<PartyIdx> LedgerState::FindParty(std::string_view id) const {
  auto it = party_by_id_.find(std::string(id));
  if (it == party_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<ProductIdx> LedgerState::FindProduct(fb::IdScheme scheme,
                                                   std::string_view id) const {
  auto it = product_by_key_.find(ProductKey(scheme, id));
  if (it == product_by_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<LotId> LedgerState::FindLot(fb::IdScheme scheme, std::string_view product,
                                          std::string_view lot) const {
  auto it = lot_by_key_.find(LotKey(scheme, product, lot));
  if (it == lot_by_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<UnitIdx> LedgerState::FindUnit(PartyIdx owner, std::string_view id) const {
  auto it = unit_by_key_.find(OwnedKey(owner, id));
  if (it == unit_by_key_.end()) return std::nullopt;
  return it->second;
}

const SerialInfo* LedgerState::FindSerial(std::string_view serial) const {
  auto it = serials_.find(std::string(serial));
  return it == serials_.end() ? nullptr : &it->second;
}

const ShipmentInfo* LedgerState::FindShipment(PartyIdx from, std::string_view id) const {
  auto it = shipments_.find(OwnedKey(from, id));
  return it == shipments_.end() ? nullptr : &it->second;
}

std::vector<uint64_t> LedgerState::RecordIndexCandidates(const Hash256& id) const {
  std::vector<uint64_t> out;
  auto range = record_ids_.equal_range(IdPrefix(id));
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

std::optional<uint64_t> LedgerState::DeclaredErroneousBy(uint64_t index) const {
  auto it = erroneous_.find(index);
  if (it == erroneous_.end()) return std::nullopt;
  return it->second;
}

void LedgerState::AddRecordId(const Hash256& id, uint64_t index) {
  record_ids_.emplace(IdPrefix(id), index);
}

const std::vector<LotId>& LedgerState::LotsOfProduct(ProductIdx p) const {
  return lots_by_product_[p];
}

const std::vector<LotId>& LedgerState::LotsOfParty(PartyIdx p) const {
  return lots_by_party_[p];
}

std::string LedgerState::LotRefString(LotId id) const {
  const LotInfo& l = lots_[id];
  const ProductInfo& p = products_[l.product];
  return FormatLotRef(p.scheme, p.id, l.code);
}

bool LedgerState::HasRole(PartyIdx p, fb::Role role) const {
  return p != kNoIdx && (parties_[p].roles & RoleBit(role)) != 0;
}

bool LedgerState::IsAuthority(PartyIdx p) const {
  return HasRole(p, fb::Role::ADMIN) || HasRole(p, fb::Role::REGULATOR);
}

Status LedgerState::CheckRole(const KeyInfo& key, fb::Body type) {
  RoleMask have = key.roles;
  RoleMask need = 0;
  const RoleMask authority = RoleBit(fb::Role::ADMIN) | RoleBit(fb::Role::REGULATOR);
  const RoleMask enterprise = RoleBit(fb::Role::ENTERPRISE);
  switch (type) {
    case fb::Body::Genesis:
      return PermissionDenied("a genesis record is written only when a store is created",
                              "genesis_exists");
    case fb::Body::PartyRegistration: need = authority; break;
    case fb::Body::KeyRotation:
    case fb::Body::KeyRevocation:
    case fb::Body::ErrorDeclaration:
      need = ~RoleBit(fb::Role::HOST);
      break;
    case fb::Body::ProductRegistration:
    case fb::Body::LotStatusChange:
      need = authority | enterprise;
      break;
    case fb::Body::Certificate:
    case fb::Body::CertificateStatusChange:
      need = authority | enterprise | RoleBit(fb::Role::CERTIFIER) | RoleBit(fb::Role::LAB);
      break;
    case fb::Body::Inspection:
      need = authority | RoleBit(fb::Role::CERTIFIER) | RoleBit(fb::Role::LAB);
      break;
    case fb::Body::RuleParameters:
    case fb::Body::RecallWiden:
      need = authority;
      break;
    case fb::Body::RecallOrder:
    case fb::Body::RecallTransition:
      need = authority | enterprise;
      break;
    case fb::Body::RecallAck:
    case fb::Body::RecallProgress:
      need = ~RoleBit(fb::Role::HOST);
      break;
    case fb::Body::RecallNotice:
    case fb::Body::RecallOverdue:
      need = RoleBit(fb::Role::HOST);
      break;
    case fb::Body::UnitRegistration:
    case fb::Body::UnitEvent:
    case fb::Body::LotRegistration:
    case fb::Body::Aggregation:
    case fb::Body::Shipment:
    case fb::Body::Receipt:
    case fb::Body::Disposition:
    case fb::Body::Adjustment:
      need = enterprise;
      break;
    default:
      return InvalidArgument("unsupported record type " +
                                 std::to_string(static_cast<int>(type)),
                             "unsupported_type");
  }
  if ((have & need) == 0) {
    return PermissionDenied("party " + key.party_id + " may not state '" +
                                std::string(BodyTypeName(type)) + "' records",
                            "role_not_allowed");
  }
  return Status::Ok();
}

Status LedgerState::CheckTime(const fb::Record& r, const RecordContext& ctx) const {
  const fb::Timestamp* t = r.header()->event_time();
  if (t == nullptr || t->micros() <= 0) {
    return InvalidArgument("header.event_time is required", "bad_time");
  }
  if (t->micros() > ctx.record_time + limits_.max_future_skew_micros) {
    return Rule("event time " + FormatMicros(t->micros()) + " is in the future (host time " +
                    FormatMicros(ctx.record_time) + ")",
                "time_in_future");
  }
  return Status::Ok();
}

StatusOr<LotId> LedgerState::ResolveLot(const fb::LotRef* ref, std::string_view field) const {
  if (ref == nullptr || ref->product() == nullptr || ref->lot() == nullptr) {
    return InvalidArgument(std::string(field) + ": lot reference is required", "bad_record");
  }
  auto id = FindLot(ref->scheme(), ref->product()->string_view(), ref->lot()->string_view());
  if (!id) {
    return Rule(std::string(field) + ": unknown lot " + FormatLotRef(ref), "unknown_lot");
  }
  if (lots_[*id].voided) {
    return Rule(std::string(field) + ": lot " + FormatLotRef(ref) + " was declared erroneous",
                "lot_voided");
  }
  return *id;
}

StatusOr<int64_t> LedgerState::LotAmount(LotId lot, const fb::Quantity* q,
                                         std::string_view field) const {
  if (q == nullptr || q->unit() == nullptr) {
    return InvalidArgument(std::string(field) + ": quantity is required", "bad_quantity");
  }
  auto amount = ToAmount(q->value(), q->scale(), q->unit()->string_view());
  if (!amount.ok()) return amount.status().WithPrefix(field);
  const LotInfo& l = lots_[lot];
  if (!(amount->dim == l.dim)) {
    return InvalidArgument(std::string(field) + ": " + q->unit()->str() +
                               " cannot measure lot " + LotRefString(lot) + " (kept in " +
                               l.unit + ")",
                           "unit_mismatch");
  }
  if (amount->micro_base <= 0) {
    return InvalidArgument(std::string(field) + ": quantity must be positive", "bad_quantity");
  }
  return amount->micro_base;
}

void LedgerState::AddKeyLocked(const VerifyingKey& key, PartyIdx party, uint64_t index) {
  KeyInfo info;
  info.key = key;
  info.party = party;
  info.added_index = index;
  info.party_id = parties_[party].id;
  info.roles = parties_[party].roles;
  keys_.emplace(KeyIdBytes(key.id()), std::move(info));
  parties_[party].keys.push_back(key.id());
}

Status LedgerState::ParseKeys(
    const flatbuffers::Vector<flatbuffers::Offset<fb::PublicKey>>* keys,
    std::vector<VerifyingKey>* out) const {
  if (keys == nullptr) return Status::Ok();
  std::set<std::string> seen;
  for (const fb::PublicKey* k : *keys) {
    if (k->algorithm() != nullptr && k->algorithm()->string_view() != "ed25519") {
      return InvalidArgument("only ed25519 keys are supported", "bad_public_key");
    }
    if (k->key() == nullptr) return InvalidArgument("key bytes missing", "bad_public_key");
    QT_ASSIGN_OR_RETURN(VerifyingKey vk,
                        VerifyingKey::FromRaw(std::string_view(
                            reinterpret_cast<const char*>(k->key()->data()), k->key()->size())));
    std::string id = KeyIdBytes(vk.id());
    if (!seen.insert(id).second) {
      return InvalidArgument("the same key is listed twice", "bad_public_key");
    }
    auto it = keys_.find(id);
    if (it != keys_.end()) {
      return AlreadyExists("key " + HexEncode(id).substr(0, 16) + "... already belongs to party " +
                               parties_[it->second.party].id,
                           "key_in_use");
    }
    out->push_back(std::move(vk));
  }
  return Status::Ok();
}

void LedgerState::PutSerial(const std::string& serial, const SerialInfo& info,
                            StateEffects* fx) {
  serials_[serial] = info;
  if (fx != nullptr) {
    std::string row = KeyBuilder()
                          .U32(info.lot)
                          .U32(info.holder)
                          .U8(info.state)
                          .U64(info.index)
                          .Str(info.parent)
                          .Build();
    fx->serial_puts.emplace_back(serial, std::move(row));
  }
}

// ---- genesis and parties ----------------------------------------------------------

Status LedgerState::ApplyGenesis(const fb::Record& r, const RecordContext& ctx) {
  if (!parties_.empty()) {
    return PermissionDenied("a genesis record is written only when a store is created",
                            "genesis_exists");
  }
  const fb::Genesis* g = r.body_as_Genesis();
  if (g == nullptr || g->host_key() == nullptr || g->admin_keys() == nullptr ||
      g->admin_keys()->size() == 0) {
    return InvalidArgument("genesis needs a host key and at least one admin key", "bad_genesis");
  }
  QT_RETURN_IF_ERROR(ValidateId("genesis.host_party", Sv(g->host_party())));
  QT_RETURN_IF_ERROR(ValidateId("genesis.admin_party", Sv(g->admin_party())));
  if (Sv(g->host_party()) == Sv(g->admin_party())) {
    return InvalidArgument("host and admin must be different parties", "bad_genesis");
  }
  QT_ASSIGN_OR_RETURN(VerifyingKey host_key,
                      VerifyingKey::FromRaw(std::string_view(
                          reinterpret_cast<const char*>(g->host_key()->data()),
                          g->host_key()->size())));
  if (ctx.key == nullptr || !(ctx.key->key.id() == host_key.id())) {
    return Unauthenticated("genesis must be signed by the host key it names", "bad_signature");
  }
  std::vector<VerifyingKey> admin_keys;
  QT_RETURN_IF_ERROR(ParseKeys(g->admin_keys(), &admin_keys));
  for (const auto& k : admin_keys) {
    if (k.id() == host_key.id()) {
      return InvalidArgument("the admin key must differ from the host key", "bad_genesis");
    }
  }
  std::unique_lock lock(keys_mu_);
  PartyInfo host;
  host.id = g->host_party()->str();
  host.name = "qtrace host";
  host.roles = RoleBit(fb::Role::HOST);
  host.index = ctx.index;
  parties_.push_back(std::move(host));
  PartyInfo admin;
  admin.id = g->admin_party()->str();
  admin.name = g->admin_name() ? g->admin_name()->str() : "platform operator";
  admin.roles = RoleBit(fb::Role::ADMIN);
  admin.index = ctx.index;
  parties_.push_back(std::move(admin));
  for (PartyIdx i = 0; i < 2; ++i) {
    party_by_id_[parties_[i].id] = i;
    lots_by_party_.emplace_back();
    counterparties_.emplace_back();
  }
  AddKeyLocked(host_key, 0, ctx.index);
  for (const auto& k : admin_keys) AddKeyLocked(k, 1, ctx.index);
  return Status::Ok();
}

Status LedgerState::ApplyParty(const fb::Record& r, const RecordContext& ctx) {
  const fb::PartyRegistration* p = r.body_as_PartyRegistration();
  PartyIdx signer = ctx.key->party;
  QT_RETURN_IF_ERROR(ValidateId("party_id", Sv(p->party_id())));
  std::string id = p->party_id()->str();
  if (LooksLikeUscc(id)) QT_RETURN_IF_ERROR(ValidateUscc(id));
  if (party_by_id_.count(id) != 0) {
    return AlreadyExists("party " + id + " is already registered", "party_exists");
  }
  if (p->roles() == nullptr || p->roles()->size() == 0) {
    return InvalidArgument("a party needs at least one role", "bad_record");
  }
  RoleMask roles = 0;
  for (auto role : *p->roles()) {
    auto rv = static_cast<fb::Role>(role);
    if (rv > fb::Role::HOST) return InvalidArgument("unknown role", "bad_record");
    if (rv == fb::Role::HOST) {
      return PermissionDenied("the host role cannot be granted", "role_not_allowed");
    }
    if (rv == fb::Role::ADMIN && !HasRole(signer, fb::Role::ADMIN)) {
      return PermissionDenied("only an admin registers another admin", "role_not_allowed");
    }
    roles |= RoleBit(rv);
  }
  std::vector<VerifyingKey> keys;
  QT_RETURN_IF_ERROR(ParseKeys(p->keys(), &keys));
  if (keys.empty()) return InvalidArgument("a party needs at least one key", "bad_record");
  PartyInfo info;
  info.id = id;
  info.name = p->name() ? p->name()->str() : "";
  info.gln = p->gln() ? p->gln()->str() : "";
  info.admin_area = p->admin_area() ? p->admin_area()->str() : "";
  info.webhook = p->webhook() ? p->webhook()->str() : "";
  if (!info.webhook.empty()) {
    std::string_view w = info.webhook;
    size_t scheme = w.starts_with("https://") ? 8 : w.starts_with("http://") ? 7 : 0;
    if (scheme == 0 || w.size() == scheme || w[scheme] == '/' || w.size() > 2048 ||
        w.find_first_of(" \t\r\n") != std::string_view::npos) {
      return InvalidArgument("webhook '" + info.webhook + "' is not an http:// or https:// URL",
                             "bad_webhook");
    }
  }
  info.roles = roles;
  info.index = ctx.index;
  if (p->sectors()) {
    for (const auto* s : *p->sectors()) info.sectors.push_back(s->str());
  }
  if (p->licences()) {
    for (const auto* l : *p->licences()) {
      info.licences.push_back(Licence{l->kind() ? l->kind()->str() : "",
                                      l->number() ? l->number()->str() : "",
                                      l->scope() ? l->scope()->str() : "",
                                      Micros(l->valid_from()), Micros(l->valid_to())});
    }
  }
  std::unique_lock lock(keys_mu_);
  PartyIdx idx = static_cast<PartyIdx>(parties_.size());
  parties_.push_back(std::move(info));
  party_by_id_[id] = idx;
  lots_by_party_.emplace_back();
  counterparties_.emplace_back();
  for (const auto& k : keys) AddKeyLocked(k, idx, ctx.index);
  return Status::Ok();
}

Status LedgerState::ApplyKeyRotation(const fb::Record& r, const RecordContext& ctx) {
  const fb::KeyRotation* k = r.body_as_KeyRotation();
  auto party = FindParty(Sv(k->party_id()));
  if (!party) return Rule("unknown party " + std::string(Sv(k->party_id())), "unknown_party");
  PartyIdx signer = ctx.key->party;
  if (signer != *party && !IsAuthority(signer)) {
    return PermissionDenied("only the party itself, an admin or a regulator rotates its keys",
                            "role_not_allowed");
  }
  if (k->new_key() == nullptr) return InvalidArgument("new_key is required", "bad_record");
  std::vector<VerifyingKey> keys;
  {
    const fb::PublicKey* pk = k->new_key();
    if (pk->key() == nullptr) return InvalidArgument("new_key bytes missing", "bad_public_key");
    QT_ASSIGN_OR_RETURN(VerifyingKey vk,
                        VerifyingKey::FromRaw(std::string_view(
                            reinterpret_cast<const char*>(pk->key()->data()), pk->key()->size())));
    if (keys_.count(KeyIdBytes(vk.id())) != 0) {
      return AlreadyExists("the new key is already registered", "key_in_use");
    }
    keys.push_back(std::move(vk));
  }
  KeyInfo* retire = nullptr;
  if (k->retire_key_id() != nullptr) {
    KeyId id;
    std::memcpy(id.data(), k->retire_key_id()->bytes()->data(), 32);
    auto it = keys_.find(KeyIdBytes(id));
    if (it == keys_.end() || it->second.party != *party) {
      return Rule("key to retire does not belong to party " + parties_[*party].id,
                  "unknown_key");
    }
    if (it->second.revoked) return Rule("key to retire is already revoked", "key_revoked");
    retire = &it->second;
  }
  std::unique_lock lock(keys_mu_);
  AddKeyLocked(keys[0], *party, ctx.index);
  if (retire != nullptr) {
    retire->revoked = true;
    retire->revoked_index = ctx.index;
  }
  return Status::Ok();
}

Status LedgerState::ApplyKeyRevocation(const fb::Record& r, const RecordContext& ctx) {
  const fb::KeyRevocation* k = r.body_as_KeyRevocation();
  auto party = FindParty(Sv(k->party_id()));
  if (!party) return Rule("unknown party " + std::string(Sv(k->party_id())), "unknown_party");
  PartyIdx signer = ctx.key->party;
  if (signer != *party && !IsAuthority(signer)) {
    return PermissionDenied("only the party itself, an admin or a regulator revokes its keys",
                            "role_not_allowed");
  }
  if (k->key_id() == nullptr) return InvalidArgument("key_id is required", "bad_record");
  KeyId id;
  std::memcpy(id.data(), k->key_id()->bytes()->data(), 32);
  auto it = keys_.find(KeyIdBytes(id));
  if (it == keys_.end() || it->second.party != *party) {
    return Rule("key " + HexEncode(AsBytes(id)).substr(0, 16) +
                    "... does not belong to party " + parties_[*party].id,
                "unknown_key");
  }
  if (it->second.revoked && it->second.compromised_since != INT64_MAX) {
    return AlreadyExists("key is already revoked", "key_revoked");
  }
  int64_t since = Micros(k->compromised_since());
  if (since == 0) since = Micros(r.header()->event_time());
  // Never leave the platform without a usable admin key.
  if (HasRole(*party, fb::Role::ADMIN)) {
    size_t live_admin_keys = 0;
    for (const auto& [kid, info] : keys_) {
      if (!info.revoked && HasRole(info.party, fb::Role::ADMIN)) ++live_admin_keys;
    }
    if (live_admin_keys <= 1 && !it->second.revoked) {
      return Rule("refusing to revoke the last admin key", "last_admin_key");
    }
  }
  std::unique_lock lock(keys_mu_);
  it->second.revoked = true;
  it->second.revoked_index = ctx.index;
  it->second.compromised_since = since;
  return Status::Ok();
}

// ---- products and units -------------------------------------------------------------

Status LedgerState::ApplyProduct(const fb::Record& r, const RecordContext& ctx) {
  const fb::ProductRegistration* p = r.body_as_ProductRegistration();
  PartyIdx signer = ctx.key->party;
  if (p->scheme() > fb::IdScheme::LOCAL) return InvalidArgument("unknown scheme", "bad_record");
  std::string_view id = Sv(p->product_id());
  QT_RETURN_IF_ERROR(ValidateId("product_id", id));
  if (p->scheme() == fb::IdScheme::GTIN) QT_RETURN_IF_ERROR(ValidateGtin14(id));
  QT_RETURN_IF_ERROR(ValidateId("sector", Sv(p->sector())));
  if (FindProduct(p->scheme(), id)) {
    return AlreadyExists("product " + std::string(SchemeName(p->scheme())) + ":" +
                             std::string(id) + " is already registered",
                         "product_exists");
  }
  PartyIdx owner = signer;
  if (p->owner() != nullptr && p->owner()->size() > 0) {
    auto o = FindParty(p->owner()->string_view());
    if (!o) return Rule("unknown owner party " + p->owner()->str(), "unknown_party");
    if (*o != signer && !IsAuthority(signer)) {
      return PermissionDenied("an enterprise registers only its own products",
                              "not_own_record");
    }
    owner = *o;
  }
  if (p->default_unit() != nullptr && p->default_unit()->size() > 0) {
    QT_RETURN_IF_ERROR(DimensionOf(p->default_unit()->string_view()).status());
  }
  ProductInfo info;
  info.scheme = p->scheme();
  info.id = std::string(id);
  info.sector = p->sector()->str();
  info.name = p->name() ? p->name()->str() : "";
  info.default_unit = p->default_unit() ? p->default_unit()->str() : "";
  info.owner = owner;
  info.index = ctx.index;
  ProductIdx idx = static_cast<ProductIdx>(products_.size());
  product_by_key_[ProductKey(info.scheme, info.id)] = idx;
  products_.push_back(std::move(info));
  lots_by_product_.emplace_back();
  return Status::Ok();
}

Status LedgerState::ApplyUnit(const fb::Record& r, const RecordContext& ctx) {
  const fb::UnitRegistration* u = r.body_as_UnitRegistration();
  PartyIdx owner = ctx.key->party;
  QT_RETURN_IF_ERROR(ValidateId("unit_id", Sv(u->unit_id())));
  if (u->kind() > fb::UnitKind::OTHER) return InvalidArgument("unknown unit kind", "bad_record");
  if (FindUnit(owner, Sv(u->unit_id()))) {
    return AlreadyExists("unit " + u->unit_id()->str() + " is already registered",
                         "unit_exists");
  }
  UnitInfo info;
  info.id = u->unit_id()->str();
  info.kind = u->kind();
  info.site = u->site() ? u->site()->str() : "";
  info.sector = u->sector() ? u->sector()->str() : "";
  info.owner = owner;
  info.index = ctx.index;
  UnitIdx idx = static_cast<UnitIdx>(units_.size());
  unit_by_key_[OwnedKey(owner, info.id)] = idx;
  units_.push_back(std::move(info));
  // Lineage unit ids follow registration order, like ours.
  return LineageOk(lineage_->AddUnit(ctx.index).status());
}

Status LedgerState::ApplyUnitEvent(const fb::Record& r, const RecordContext& ctx) {
  const fb::UnitEvent* e = r.body_as_UnitEvent();
  PartyIdx owner = ctx.key->party;
  auto unit = FindUnit(owner, Sv(e->unit()));
  if (!unit) {
    return Rule("unknown unit " + std::string(Sv(e->unit())) + " of party " +
                    parties_[owner].id,
                "unknown_unit");
  }
  int64_t start = Micros(e->start());
  int64_t end = Micros(e->end());
  if (start <= 0) return InvalidArgument("unit event start time is required", "bad_time");
  if (start > ctx.record_time + limits_.max_future_skew_micros) {
    return Rule("unit event time " + FormatMicros(start) + " is in the future", "time_in_future");
  }
  UnitEventInfo info;
  info.kind = e->kind();
  info.start = start;
  info.end = end;
  info.index = ctx.index;
  switch (e->kind()) {
    case fb::UnitEventKind::INPUT_APPLIED: {
      QT_ASSIGN_OR_RETURN(LotId input, ResolveLot(e->input(), "input"));
      QT_ASSIGN_OR_RETURN(int64_t q, LotAmount(input, e->quantity(), "quantity"));
      LotInfo& l = lots_[input];
      if (Blocks(l.status)) {
        return Rule("input lot " + LotRefString(input) + " is " +
                        std::string(StatusName(l.status)),
                    "lot_blocked");
      }
      const Holding* h = l.HoldingOf(owner);
      int64_t held = h ? h->held : 0;
      if (held < q) {
        return Rule("applying " + FormatAmount(q, l.unit) + " " + l.unit + " of " +
                        LotRefString(input) + " exceeds the balance: " + parties_[owner].id +
                        " holds " + FormatAmount(held, l.unit) + " " + l.unit,
                    "balance_negative");
      }
      if (l.production_time > start) {
        return Rule("input lot " + LotRefString(input) + " was produced after it was applied",
                    "time_order");
      }
      if (end != 0 && end <= start) {
        return InvalidArgument("end of effect must be after the application", "bad_time");
      }
      if (auto blocked = RecallBlocks(input, kNoIdx)) return Rule(*blocked, "lot_recalled");
      applications_by_lot_.emplace(
          input, std::make_pair(*unit, static_cast<uint32_t>(units_[*unit].events.size())));
      Holding& hm = l.MutableHolding(owner);
      hm.held -= q;
      hm.used += q;
      l.custody.push_back({owner, CustodyEvent::kUsed, kNoIdx, q, ctx.index});
      info.input = input;
      info.quantity = q;
      QT_RETURN_IF_ERROR(LineageOk(lineage_->AddApplication(
          input, *unit, start, end == 0 ? kNoEffectEnd : end, q, ctx.index).status()));
      break;
    }
    case fb::UnitEventKind::EMPTIED:
      if (e->input() != nullptr) {
        return InvalidArgument("an emptied event names no input", "bad_record");
      }
      QT_RETURN_IF_ERROR(LineageOk(lineage_->AddEmptied(*unit, start, ctx.index)));
      break;
    case fb::UnitEventKind::PROCESS_RUN:
      if (end < start) return InvalidArgument("process run ends before it starts", "bad_time");
      break;
    case fb::UnitEventKind::STORED: {
      // A claim about the owner's own unit: what it held there, and when.
      // The owner must have held the lot; the serials must be known, and
      // of that lot when one is named (containers carry no lot).
      if (end != 0 && end <= start) {
        return InvalidArgument("storage must end after it starts", "bad_time");
      }
      if (e->input() != nullptr) {
        QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(e->input(), "input"));
        if (lots_[lot].HoldingOf(owner) == nullptr) {
          return Rule(parties_[owner].id + " never held " + LotRefString(lot) +
                          ", so it cannot have stored it",
                      "not_holder");
        }
        if (lots_[lot].production_time > (end != 0 ? end : start)) {
          return Rule("lot " + LotRefString(lot) + " was produced after its storage", "time_order");
        }
        info.input = lot;
      }
      if (e->serials() != nullptr) {
        std::vector<std::string> problems;
        for (const auto* sn : *e->serials()) {
          auto it = serials_.find(sn->str());
          if (it == serials_.end()) {
            problems.push_back("unknown serial or container " + sn->str());
          } else if (info.input != kNoIdx && it->second.lot != kNoIdx &&
                     it->second.lot != info.input) {
            problems.push_back("serial " + sn->str() + " is of lot " +
                               LotRefString(it->second.lot) + ", not " +
                               LotRefString(info.input));
          }
        }
        if (!problems.empty()) {
          return Status(StatusCode::kFailedPrecondition, "stored event refused: " + problems.front(),
                        "unknown_serial", problems);
        }
      } else if (e->input() == nullptr) {
        return InvalidArgument("a stored event names the lot (input) or the serials stored",
                               "bad_record");
      }
      break;
    }
    default:
      return InvalidArgument("unknown unit event kind", "bad_record");
  }
  units_[*unit].events.push_back(info);
  return Status::Ok();
}

// ---- lots -------------------------------------------------------------------------------

Status LedgerState::ApplyLot(const fb::Record& r, const RecordContext& ctx,
                             StateEffects* fx) {
  const fb::LotRegistration* l = r.body_as_LotRegistration();
  PartyIdx producer = ctx.key->party;
  const fb::LotRef* ref = l->lot();
  if (ref == nullptr || ref->product() == nullptr || ref->lot() == nullptr) {
    return InvalidArgument("lot reference is required", "bad_record");
  }
  std::string_view code = ref->lot()->string_view();
  if (code.empty() || code.size() > 64) {
    return InvalidArgument("lot code must have 1-64 characters", "bad_record");
  }
  auto product = FindProduct(ref->scheme(), ref->product()->string_view());
  if (!product) {
    return Rule("unknown product " + std::string(SchemeName(ref->scheme())) + ":" +
                    ref->product()->str() + " (register it first)",
                "unknown_product");
  }
  const ProductInfo& prod = products_[*product];
  if (prod.scheme == fb::IdScheme::LOCAL && prod.owner != producer) {
    return PermissionDenied("local product " + prod.id + " belongs to " +
                                parties_[prod.owner].id,
                            "not_own_record");
  }
  std::string key = LotKey(ref->scheme(), ref->product()->string_view(), code);
  auto existing = lot_by_key_.find(key);
  if (existing != lot_by_key_.end()) {
    return AlreadyExists("lot " + FormatLotRef(ref) + " is already registered (log index " +
                             std::to_string(lots_[existing->second].index) + ")",
                         "lot_exists");
  }
  const fb::Quantity* q = l->quantity();
  if (q == nullptr || q->unit() == nullptr) {
    return InvalidArgument("quantity is required", "bad_quantity");
  }
  auto amount = ToAmount(q->value(), q->scale(), q->unit()->string_view());
  if (!amount.ok()) return amount.status().WithPrefix("quantity");
  if (amount->micro_base <= 0) {
    return InvalidArgument("quantity must be positive", "bad_quantity");
  }
  int64_t produced_at = Micros(l->production_time());
  if (produced_at <= 0) return InvalidArgument("production_time is required", "bad_time");
  if (produced_at > ctx.record_time + limits_.max_future_skew_micros) {
    return Rule("production time " + FormatMicros(produced_at) + " is in the future",
                "time_in_future");
  }
  int64_t expiry = Micros(l->expiry_time());
  if (expiry != 0 && expiry < produced_at) {
    return InvalidArgument("expiry_time is before production_time", "bad_time");
  }

  // Inputs: exist, released, enough held by the producer, made before.
  struct InputUse {
    LotId lot;
    int64_t amount;
    fb::EdgeKind kind;
  };
  std::vector<InputUse> uses;
  std::vector<std::string> problems;
  if (l->inputs() != nullptr) {
    for (size_t i = 0; i < l->inputs()->size(); ++i) {
      const fb::Input* in = l->inputs()->Get(i);
      std::string field = "inputs[" + std::to_string(i) + "]";
      if (in->kind() == fb::EdgeKind::APPLIED_TO || in->kind() == fb::EdgeKind::PROCESSED_ON ||
          in->kind() > fb::EdgeKind::PACKAGED_WITH) {
        return InvalidArgument(field + ": kind " + std::to_string(static_cast<int>(in->kind())) +
                                   " is not a lot-to-lot edge (applications go in unit events)",
                               "bad_record");
      }
      auto input = ResolveLot(in->lot(), field);
      if (!input.ok()) {
        problems.push_back(input.status().message());
        continue;
      }
      auto a = LotAmount(*input, in->quantity(), field);
      if (!a.ok()) return a.status();
      const LotInfo& il = lots_[*input];
      if (Blocks(il.status)) {
        problems.push_back(field + ": input lot " + LotRefString(*input) + " is " +
                           std::string(StatusName(il.status)));
      }
      if (il.production_time > produced_at) {
        problems.push_back(field + ": input lot " + LotRefString(*input) +
                           " was produced after this lot");
      }
      if (auto blocked = RecallBlocks(*input, kNoIdx)) problems.push_back(field + ": " + *blocked);
      uses.push_back({*input, *a, in->kind()});
    }
  }
  // Aggregate per input lot (the same lot may appear twice).
  std::vector<std::pair<LotId, int64_t>> totals;
  for (const auto& u : uses) {
    auto it = std::find_if(totals.begin(), totals.end(),
                           [&](const auto& t) { return t.first == u.lot; });
    if (it == totals.end()) {
      totals.emplace_back(u.lot, u.amount);
    } else {
      it->second += u.amount;
    }
  }
  for (const auto& [lot, total] : totals) {
    const LotInfo& il = lots_[lot];
    const Holding* h = il.HoldingOf(producer);
    int64_t held = h ? h->held : 0;
    if (held < total) {
      problems.push_back("input " + LotRefString(lot) + ": uses " + FormatAmount(total, il.unit) +
                         " " + il.unit + " but " + parties_[producer].id + " holds " +
                         FormatAmount(held, il.unit) + " " + il.unit);
    }
  }
  // Production units.
  struct UnitUseInfo {
    UnitIdx unit;
    int64_t start, end;
  };
  std::vector<UnitUseInfo> unit_uses;
  if (l->units() != nullptr) {
    for (size_t i = 0; i < l->units()->size(); ++i) {
      const fb::UnitUse* u = l->units()->Get(i);
      auto unit = FindUnit(producer, Sv(u->unit()));
      if (!unit) {
        problems.push_back("units[" + std::to_string(i) + "]: unknown unit " +
                           std::string(Sv(u->unit())) + " of " + parties_[producer].id);
        continue;
      }
      int64_t s = Micros(u->start()), e = Micros(u->end());
      if (s <= 0 || e < s) {
        return InvalidArgument("units[" + std::to_string(i) + "]: needs start <= end",
                               "bad_time");
      }
      unit_uses.push_back({*unit, s, e});
    }
  }
  // Serials: new and unique.
  std::vector<std::string> serials;
  if (l->serials() != nullptr) {
    std::set<std::string_view> seen;
    for (const auto* s : *l->serials()) {
      if (s->size() == 0 || s->size() > 64) {
        return InvalidArgument("serials must have 1-64 characters", "bad_record");
      }
      if (!seen.insert(s->string_view()).second) {
        return InvalidArgument("serial " + s->str() + " is listed twice", "bad_record");
      }
      if (serials_.count(s->str()) != 0) {
        problems.push_back("serial " + s->str() + " is already in use (a code is never reused)");
      }
      serials.push_back(s->str());
    }
  }
  if (!problems.empty()) {
    std::string first = problems.front();
    bool balance = false;
    for (const auto& p : problems) balance = balance || p.find(" holds ") != std::string::npos;
    std::string reason = balance ? "balance_negative"
                         : first.find("unknown lot") != std::string::npos ? "unknown_lot"
                         : first.find("unknown unit") != std::string::npos ? "unknown_unit"
                         : first.find("serial") != std::string::npos ? "serial_reused"
                         : first.find("produced after") != std::string::npos ? "time_order"
                         : first.find("under recall") != std::string::npos    ? "lot_recalled"
                                                                              : "lot_blocked";
    return Status(StatusCode::kFailedPrecondition,
                  "lot " + FormatLotRef(ref) + " breaks " + std::to_string(problems.size()) +
                      " rule(s): " + first,
                  reason, problems);
  }

  // All checks passed: apply.
  LotId id = static_cast<LotId>(lots_.size());
  LotInfo info;
  info.product = *product;
  info.producer = producer;
  info.code = std::string(code);
  info.unit = q->unit()->str();
  info.dim = amount->dim;
  info.quantity = amount->micro_base;
  info.production_time = produced_at;
  info.production_offset = l->production_time()->offset_minutes();
  info.expiry_time = expiry;
  info.site = l->site() ? l->site()->str() : "";
  info.index = ctx.index;
  Holding h;
  h.party = producer;
  h.held = h.produced = amount->micro_base;
  info.holdings.push_back(h);
  info.custody.push_back({producer, CustodyEvent::kProduced, kNoIdx, amount->micro_base, ctx.index});
  lots_.push_back(std::move(info));
  lot_by_key_.emplace(std::move(key), id);
  lots_by_product_[*product].push_back(id);
  lots_by_party_[producer].push_back(id);

  // Lineage lot ids follow registration order, like ours.
  QT_RETURN_IF_ERROR(LineageOk(lineage_->AddLot(ctx.index).status()));
  for (const auto& u : uses) {
    LotInfo& il = lots_[u.lot];
    Holding& hm = il.MutableHolding(producer);
    hm.held -= u.amount;
    hm.used += u.amount;
    il.custody.push_back({producer, CustodyEvent::kUsed, kNoIdx, u.amount, ctx.index});
    QT_RETURN_IF_ERROR(
        LineageOk(lineage_->AddEdge(u.lot, id, u.kind, u.amount, ctx.index).status()));
  }
  for (const auto& u : unit_uses) {
    QT_RETURN_IF_ERROR(
        LineageOk(lineage_->AddUnitOutput(id, u.unit, u.start, u.end, ctx.index).status()));
  }
  for (const auto& s : serials) {
    SerialInfo si;
    si.lot = id;
    si.holder = producer;
    si.index = ctx.index;
    PutSerial(s, si, fx);
  }
  fx->new_lot = id;
  std::vector<UnitUseWindow> windows;
  for (const auto& u : unit_uses) windows.push_back({u.unit, u.start, u.end});
  ExpandRecallsForNewLot(id, windows, ctx, fx);
  return Status::Ok();
}

// ---- aggregation, custody -------------------------------------------------------------

Status LedgerState::ApplyAggregation(const fb::Record& r, const RecordContext& ctx,
                                     StateEffects* fx) {
  const fb::Aggregation* a = r.body_as_Aggregation();
  PartyIdx party = ctx.key->party;
  std::string parent(Sv(a->parent()));
  if (parent.empty() || parent.size() > 64) {
    return InvalidArgument("parent container id must have 1-64 characters", "bad_record");
  }
  auto pit = serials_.find(parent);
  if (pit != serials_.end() && pit->second.holder != party) {
    return Rule("container " + parent + " is held by " + parties_[pit->second.holder].id,
                "not_holder");
  }
  std::vector<std::string> children;
  std::vector<std::string> problems;
  std::set<std::string> seen;
  if (a->children() != nullptr) {
    for (const auto* c : *a->children()) {
      std::string child = c->str();
      if (child == parent) return InvalidArgument("a container cannot contain itself", "bad_record");
      if (!seen.insert(child).second) {
        return InvalidArgument("child " + child + " is listed twice", "bad_record");
      }
      auto it = serials_.find(child);
      if (it == serials_.end()) {
        problems.push_back("unknown serial or container " + child);
        continue;
      }
      const SerialInfo& si = it->second;
      if (si.holder != party) {
        problems.push_back(child + " is held by " + parties_[si.holder].id);
      } else if (si.state != SerialInfo::kActive) {
        problems.push_back(child + " is no longer in stock");
      }
      if (a->action() == fb::AggregationAction::PACK && !si.parent.empty()) {
        problems.push_back(child + " is already packed in " + si.parent);
      }
      if (a->action() == fb::AggregationAction::UNPACK && si.parent != parent) {
        problems.push_back(child + " is not packed in " + parent);
      }
      children.push_back(child);
    }
  }
  if (a->child_lots() != nullptr) {
    for (const auto* cl : *a->child_lots()) {
      auto lot = ResolveLot(cl->lot(), "child_lots");
      if (!lot.ok()) {
        problems.push_back(lot.status().message());
        continue;
      }
      auto q = LotAmount(*lot, cl->quantity(), "child_lots");
      if (!q.ok()) return q.status();
      const Holding* h = lots_[*lot].HoldingOf(party);
      if (h == nullptr || h->held < *q) {
        problems.push_back("packs more of " + LotRefString(*lot) + " than " +
                           parties_[party].id + " holds");
      }
    }
  }
  if (children.empty() && (a->child_lots() == nullptr || a->child_lots()->size() == 0)) {
    return InvalidArgument("an aggregation needs children or child_lots", "bad_record");
  }
  if (!problems.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "aggregation of " + parent + " refused: " + problems.front(),
                  problems.front().find("held by") != std::string::npos ? "not_holder"
                                                                        : "bad_aggregation",
                  problems);
  }
  if (a->action() == fb::AggregationAction::PACK && pit == serials_.end()) {
    SerialInfo container;
    container.lot = kNoIdx;
    container.holder = party;
    container.index = ctx.index;
    PutSerial(parent, container, fx);
  }
  auto& history = pack_history_[parent];
  const int64_t at = r.header() && Micros(r.header()->event_time()) != 0
                         ? Micros(r.header()->event_time())
                         : ctx.record_time;
  for (const auto& child : children) {
    SerialInfo si = serials_[child];
    si.index = ctx.index;
    if (a->action() == fb::AggregationAction::PACK) {
      si.parent = parent;
      history.push_back({child, at, INT64_MAX, ctx.index, 0});
    } else {
      si.parent.clear();
      for (auto it = history.rbegin(); it != history.rend(); ++it) {
        if (it->child == child && it->unpacked_index == 0) {
          it->unpacked = std::max(at, it->packed);
          it->unpacked_index = ctx.index;
          break;
        }
      }
    }
    PutSerial(child, si, fx);
  }
  return Status::Ok();
}

Status LedgerState::ApplyShipment(const fb::Record& r, const RecordContext& ctx,
                                  StateEffects* fx) {
  const fb::Shipment* s = r.body_as_Shipment();
  PartyIdx from = ctx.key->party;
  QT_RETURN_IF_ERROR(ValidateId("shipment_id", Sv(s->shipment_id())));
  auto to = FindParty(Sv(s->to()));
  if (!to) return Rule("unknown receiving party " + std::string(Sv(s->to())), "unknown_party");
  if (*to == from) return InvalidArgument("a shipment goes to another party", "bad_record");
  std::string key = OwnedKey(from, Sv(s->shipment_id()));
  if (shipments_.count(key) != 0) {
    return AlreadyExists("shipment " + s->shipment_id()->str() + " of " + parties_[from].id +
                             " already exists",
                         "shipment_exists");
  }
  if (s->items() == nullptr || s->items()->size() == 0) {
    return InvalidArgument("a shipment needs at least one item", "bad_record");
  }
  int64_t when = Micros(r.header()->event_time());
  std::vector<std::string> problems;
  std::string reason = "balance_negative";
  ShipmentInfo info;
  info.from = from;
  info.to = *to;
  info.time = when;
  info.index = ctx.index;
  for (size_t i = 0; i < s->items()->size(); ++i) {
    const fb::LotQuantity* item = s->items()->Get(i);
    std::string field = "items[" + std::to_string(i) + "]";
    auto lot = ResolveLot(item->lot(), field);
    if (!lot.ok()) {
      problems.push_back(lot.status().message());
      reason = std::string(lot.status().reason());
      continue;
    }
    QT_ASSIGN_OR_RETURN(int64_t q, LotAmount(*lot, item->quantity(), field));
    const LotInfo& l = lots_[*lot];
    if (Blocks(l.status)) {
      problems.push_back(field + ": lot " + LotRefString(*lot) + " is " +
                         std::string(StatusName(l.status)) + " and may not be shipped");
      reason = "lot_blocked";
    }
    if (auto blocked = RecallBlocks(*lot, *to)) {
      problems.push_back(field + ": " + *blocked);
      reason = "lot_recalled";
    }
    if (l.production_time > when) {
      problems.push_back(field + ": shipped before lot " + LotRefString(*lot) + " was produced");
      reason = "time_order";
    }
    auto it = std::find_if(info.items.begin(), info.items.end(),
                           [&](const auto& x) { return x.lot == *lot; });
    if (it == info.items.end()) {
      info.items.push_back({*lot, q, 0});
    } else {
      it->quantity += q;
    }
    if (item->serials() != nullptr) {
      for (const auto* sn : *item->serials()) {
        const SerialInfo* si = FindSerial(sn->string_view());
        if (si == nullptr || si->lot != *lot) {
          problems.push_back(field + ": serial " + sn->str() + " is not of lot " +
                             LotRefString(*lot));
          reason = "unknown_serial";
        } else if (si->holder != from || si->state != SerialInfo::kActive) {
          problems.push_back(field + ": serial " + sn->str() + " is not in stock at " +
                             parties_[from].id);
          reason = "serial_not_held";
        } else if (auto blocked = SerialRecallBlocks(sn->string_view(), *to)) {
          problems.push_back(field + ": " + *blocked);
          reason = "lot_recalled";
        } else {
          info.serials.push_back(sn->str());
        }
      }
    }
  }
  for (const auto& item : info.items) {
    const LotInfo& l = lots_[item.lot];
    const Holding* h = l.HoldingOf(from);
    int64_t held = h ? h->held : 0;
    if (held < item.quantity) {
      problems.push_back("shipment of " + FormatAmount(item.quantity, l.unit) + " " + l.unit +
                         " of " + LotRefString(item.lot) + " exceeds the balance: " +
                         parties_[from].id + " holds " + FormatAmount(held, l.unit) + " " +
                         l.unit);
    }
  }
  std::vector<std::string> containers;
  if (s->containers() != nullptr) {
    for (const auto* c : *s->containers()) {
      const SerialInfo* si = FindSerial(c->string_view());
      if (si == nullptr || si->holder != from || si->state != SerialInfo::kActive) {
        problems.push_back("container " + c->str() + " is not in stock at " + parties_[from].id);
        reason = "serial_not_held";
      } else {
        containers.push_back(c->str());
      }
    }
  }
  if (!problems.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "shipment " + s->shipment_id()->str() + " refused: " + problems.front(), reason,
                  problems);
  }
  for (const auto& item : info.items) {
    LotInfo& l = lots_[item.lot];
    Holding& hs = l.MutableHolding(from);
    hs.held -= item.quantity;
    hs.shipped += item.quantity;
    bool new_holder = l.HoldingOf(*to) == nullptr;
    Holding& hr = l.MutableHolding(*to);
    hr.in_transit += item.quantity;
    l.custody.push_back({from, CustodyEvent::kShipped, *to, item.quantity, ctx.index});
    if (new_holder) {
      auto& v = lots_by_party_[*to];
      v.insert(std::upper_bound(v.begin(), v.end(), item.lot), item.lot);
    }
  }
  // Serials, and everything packed inside shipped containers, change holder.
  std::vector<std::string> moving = info.serials;
  for (size_t i = 0; i < containers.size(); ++i) {
    moving.push_back(containers[i]);
    auto cit = pack_history_.find(containers[i]);
    if (cit != pack_history_.end()) {
      for (const PackSpan& sp : cit->second) {
        if (sp.unpacked_index == 0) containers.push_back(sp.child);  // inside now
      }
    }
  }
  for (const auto& sn : moving) {
    SerialInfo si = serials_[sn];
    si.holder = *to;
    si.state = SerialInfo::kInTransit;
    si.index = ctx.index;
    PutSerial(sn, si, fx);
  }
  info.serials = std::move(moving);
  for (auto [a, b] : {std::pair{from, *to}, std::pair{*to, from}}) {
    auto& v = counterparties_[a];
    auto pos = std::lower_bound(v.begin(), v.end(), b);
    if (pos == v.end() || *pos != b) v.insert(pos, b);
  }
  shipments_.emplace(std::move(key), std::move(info));
  return Status::Ok();
}

Status LedgerState::ApplyReceipt(const fb::Record& r, const RecordContext& ctx,
                                 StateEffects* fx) {
  const fb::Receipt* rc = r.body_as_Receipt();
  PartyIdx me = ctx.key->party;
  auto from = FindParty(Sv(rc->from()));
  if (!from) return Rule("unknown sending party " + std::string(Sv(rc->from())), "unknown_party");
  auto it = shipments_.find(OwnedKey(*from, Sv(rc->shipment_id())));
  if (it == shipments_.end()) {
    return Rule("unknown shipment " + std::string(Sv(rc->shipment_id())) + " from " +
                    parties_[*from].id,
                "unknown_shipment");
  }
  ShipmentInfo& sh = it->second;
  if (sh.to != me) {
    return PermissionDenied("shipment " + std::string(Sv(rc->shipment_id())) + " was sent to " +
                                parties_[sh.to].id + ", not to " + parties_[me].id,
                            "not_own_record");
  }
  if (sh.voided) return Rule("the shipment was declared erroneous", "shipment_voided");
  if (sh.receipted) return AlreadyExists("shipment already received", "already_received");
  if (Micros(r.header()->event_time()) < sh.time) {
    return Rule("received before it was shipped", "time_order");
  }
  if (rc->items() == nullptr || rc->items()->size() == 0) {
    return InvalidArgument("a receipt needs at least one item", "bad_record");
  }
  std::vector<int64_t> received(sh.items.size(), 0);
  for (size_t i = 0; i < rc->items()->size(); ++i) {
    const fb::LotQuantity* item = rc->items()->Get(i);
    std::string field = "items[" + std::to_string(i) + "]";
    QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(item->lot(), field));
    QT_ASSIGN_OR_RETURN(int64_t q, LotAmount(lot, item->quantity(), field));
    size_t k = 0;
    while (k < sh.items.size() && sh.items[k].lot != lot) ++k;
    if (k == sh.items.size()) {
      return Rule(field + ": lot " + LotRefString(lot) + " is not in the shipment",
                  "not_in_shipment");
    }
    received[k] += q;
    if (received[k] > sh.items[k].quantity) {
      return Rule(field + ": receives more of " + LotRefString(lot) + " than was shipped",
                  "balance_negative");
    }
  }
  for (size_t k = 0; k < sh.items.size(); ++k) {
    LotInfo& l = lots_[sh.items[k].lot];
    Holding& h = l.MutableHolding(me);
    h.in_transit -= sh.items[k].quantity;
    h.held += received[k];
    h.received += received[k];
    sh.items[k].received = received[k];
    l.custody.push_back({me, CustodyEvent::kReceived, sh.from, received[k], ctx.index});
  }
  sh.receipted = true;
  for (const auto& sn : sh.serials) {
    SerialInfo si = serials_[sn];
    if (si.holder == me && si.state == SerialInfo::kInTransit) {
      si.state = SerialInfo::kActive;
      si.index = ctx.index;
      PutSerial(sn, si, fx);
    }
  }
  return Status::Ok();
}

Status LedgerState::ApplyDisposition(const fb::Record& r, const RecordContext& ctx,
                                     StateEffects* fx) {
  const fb::Disposition* d = r.body_as_Disposition();
  PartyIdx me = ctx.key->party;
  if (d->kind() > fb::DispositionKind::RECOVERED) {
    return InvalidArgument("unknown disposition kind", "bad_record");
  }
  if (d->items() == nullptr || d->items()->size() == 0) {
    return InvalidArgument("a disposition needs at least one item", "bad_record");
  }
  bool recover = d->kind() == fb::DispositionKind::RECOVERED;
  bool destroy = d->kind() == fb::DispositionKind::DESTROYED;
  struct Move {
    LotId lot;
    int64_t q;
  };
  std::vector<Move> moves;
  std::vector<std::string> serials;
  std::vector<std::string> problems;
  std::string reason = "balance_negative";
  for (size_t i = 0; i < d->items()->size(); ++i) {
    const fb::LotQuantity* item = d->items()->Get(i);
    std::string field = "items[" + std::to_string(i) + "]";
    QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(item->lot(), field));
    QT_ASSIGN_OR_RETURN(int64_t q, LotAmount(lot, item->quantity(), field));
    const LotInfo& l = lots_[lot];
    if (!recover && !destroy && Blocks(l.status)) {
      problems.push_back(field + ": lot " + LotRefString(lot) + " is " +
                         std::string(StatusName(l.status)));
      reason = "lot_blocked";
    }
    if (!recover && !destroy) {
      if (auto blocked = RecallBlocks(lot, kNoIdx)) {
        problems.push_back(field + ": " + *blocked);
        reason = "lot_recalled";
      }
      if (item->serials() != nullptr) {
        for (const auto* sn : *item->serials()) {
          if (auto blocked = SerialRecallBlocks(sn->string_view(), kNoIdx)) {
            problems.push_back(field + ": " + *blocked);
            reason = "lot_recalled";
          }
        }
      }
    }
    int64_t already = 0;
    for (const auto& m : moves) {
      if (m.lot == lot) already += m.q;
    }
    const Holding* h = l.HoldingOf(me);
    if (recover) {
      int64_t out = h ? h->consumed - h->recovered : 0;
      if (out < already + q) {
        problems.push_back(field + ": recovers more of " + LotRefString(lot) + " than " +
                           parties_[me].id + " sold or handed out");
      }
    } else {
      int64_t held = h ? h->held : 0;
      if (held < already + q) {
        problems.push_back(field + ": " + FormatAmount(already + q, l.unit) + " " + l.unit +
                           " of " + LotRefString(lot) + " exceeds the balance: " +
                           parties_[me].id + " holds " + FormatAmount(held, l.unit) + " " + l.unit);
      }
    }
    if (item->serials() != nullptr) {
      for (const auto* sn : *item->serials()) {
        const SerialInfo* si = FindSerial(sn->string_view());
        if (si == nullptr || si->lot != lot) {
          problems.push_back(field + ": serial " + sn->str() + " was never issued for lot " +
                             LotRefString(lot));
          reason = "unknown_serial";
        } else if (recover ? si->state != SerialInfo::kConsumed
                           : si->state == SerialInfo::kConsumed ||
                                 si->state == SerialInfo::kDestroyed) {
          problems.push_back(field + ": serial " + sn->str() +
                             (recover ? " was not handed out"
                                      : " was already dispensed, sold or destroyed (index " +
                                            std::to_string(si->index) + "): possible counterfeit"));
          reason = "serial_reused";
        } else if (si->holder != me) {
          problems.push_back(field + ": serial " + sn->str() + " is held by " +
                             parties_[si->holder].id + ", not " + parties_[me].id);
          reason = "serial_not_held";
        } else {
          serials.push_back(sn->str());
        }
      }
    }
    moves.push_back({lot, q});
  }
  if (!problems.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "disposition refused: " + problems.front(), reason, problems);
  }
  for (const auto& m : moves) {
    LotInfo& l = lots_[m.lot];
    Holding& h = l.MutableHolding(me);
    CustodyEvent::Kind kind;
    if (recover) {
      h.held += m.q;
      h.recovered += m.q;
      kind = CustodyEvent::kRecovered;
    } else if (destroy) {
      h.held -= m.q;
      h.destroyed += m.q;
      kind = CustodyEvent::kDestroyed;
    } else {
      h.held -= m.q;
      h.consumed += m.q;
      kind = CustodyEvent::kConsumed;
    }
    l.custody.push_back({me, kind, kNoIdx, m.q, ctx.index});
  }
  for (const auto& sn : serials) {
    SerialInfo si = serials_[sn];
    si.state = recover ? SerialInfo::kActive
               : destroy ? SerialInfo::kDestroyed
                         : SerialInfo::kConsumed;
    si.index = ctx.index;
    PutSerial(sn, si, fx);
  }
  return Status::Ok();
}

Status LedgerState::ApplyAdjustment(const fb::Record& r, const RecordContext& ctx) {
  const fb::Adjustment* a = r.body_as_Adjustment();
  PartyIdx me = ctx.key->party;
  QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(a->lot(), "lot"));
  const fb::Quantity* q = a->delta();
  if (q == nullptr || q->unit() == nullptr) return InvalidArgument("delta is required", "bad_quantity");
  auto amount = ToAmount(q->value(), q->scale(), q->unit()->string_view());
  if (!amount.ok()) return amount.status().WithPrefix("delta");
  LotInfo& l = lots_[lot];
  if (!(amount->dim == l.dim)) {
    return InvalidArgument("delta unit " + q->unit()->str() + " does not measure lot " +
                               LotRefString(lot),
                           "unit_mismatch");
  }
  if (amount->micro_base == 0) return InvalidArgument("delta must not be zero", "bad_quantity");
  if (a->reason() == nullptr || a->reason()->size() == 0) {
    return InvalidArgument("an adjustment needs a reason", "bad_record");
  }
  const Holding* h = l.HoldingOf(me);
  if (h == nullptr || h->held + h->shipped + h->used + h->consumed + h->destroyed == 0) {
    return Rule(parties_[me].id + " has never held lot " + LotRefString(lot), "not_holder");
  }
  int64_t basis = h->held;
  __int128 limit = static_cast<__int128>(basis) * limits_.adjustment_tolerance_ppm / 1'000'000;
  __int128 magnitude = amount->micro_base < 0 ? -static_cast<__int128>(amount->micro_base)
                                              : amount->micro_base;
  if (magnitude > limit) {
    return Rule("adjustment of " + FormatAmount(amount->micro_base, l.unit) + " " + l.unit +
                    " exceeds the tolerance of " +
                    std::to_string(limits_.adjustment_tolerance_ppm / 10000.0).substr(0, 4) +
                    "% of the " + FormatAmount(basis, l.unit) + " " + l.unit + " held",
                "adjustment_out_of_tolerance");
  }
  if (h->held + amount->micro_base < 0) {
    return Rule("adjustment would make the balance negative", "balance_negative");
  }
  Holding& hm = l.MutableHolding(me);
  hm.held += amount->micro_base;
  hm.adjusted += amount->micro_base;
  l.custody.push_back({me, CustodyEvent::kAdjusted, kNoIdx, amount->micro_base, ctx.index});
  return Status::Ok();
}

Status LedgerState::ApplyLotStatus(const fb::Record& r, const RecordContext& ctx) {
  const fb::LotStatusChange* s = r.body_as_LotStatusChange();
  PartyIdx me = ctx.key->party;
  QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(s->lot(), "lot"));
  if (s->status() > fb::LotStatus::DESTROYED) return InvalidArgument("unknown status", "bad_record");
  LotInfo& l = lots_[lot];
  bool authority = IsAuthority(me);
  bool producer = l.producer == me;
  const Holding* h = l.HoldingOf(me);
  bool holder = h != nullptr && (h->held > 0 || h->in_transit > 0);
  bool may = authority || producer ||
             (holder && s->status() != fb::LotStatus::RECALLED &&
              s->status() != fb::LotStatus::DESTROYED);
  if (!may) {
    return PermissionDenied(parties_[me].id + " may not change the status of lot " +
                                LotRefString(lot),
                            "not_own_record");
  }
  if (l.status == fb::LotStatus::RECALLED && s->status() == fb::LotStatus::RELEASED && !authority) {
    return PermissionDenied("only a regulator releases a recalled lot", "role_not_allowed");
  }
  l.status = s->status();
  return Status::Ok();
}

Status LedgerState::ApplyErrorDeclaration(const fb::Record& r, const RecordContext& ctx) {
  const fb::ErrorDeclaration* e = r.body_as_ErrorDeclaration();
  PartyIdx me = ctx.key->party;
  if (e->corrected() == nullptr || e->corrected()->size() == 0) {
    return InvalidArgument("corrected must name at least one record", "bad_record");
  }
  if (e->reason() == nullptr || e->reason()->size() == 0) {
    return InvalidArgument("an error declaration needs a reason", "bad_record");
  }
  // Finds the log index of a record id, reading the candidate entries.
  auto locate = [&](const fb::Hash256* h) -> StatusOr<uint64_t> {
    Hash256 id;
    std::memcpy(id.data(), h->bytes()->data(), 32);
    for (uint64_t index : RecordIndexCandidates(id)) {
      QT_ASSIGN_OR_RETURN(std::string bytes, load_entry_(index));
      QT_ASSIGN_OR_RETURN(const fb::LogEntry* entry, VerifyLogEntry(bytes, false));
      if (RecordIdOf(entry->payload_type()->string_view(),
                     std::string_view(reinterpret_cast<const char*>(entry->payload()->data()),
                                      entry->payload()->size())) == id) {
        return index;
      }
    }
    return Rule("unknown record " + HexEncode(AsBytes(id)), "unknown_record");
  };
  if (e->corrective() != nullptr) {
    for (const auto* h : *e->corrective()) QT_RETURN_IF_ERROR(locate(h).status());
  }
  // Plan every reversal first; apply only if all are possible.
  struct Plan {
    uint64_t index;
    std::string bytes;  // keeps the record alive while we read it
  };
  std::vector<Plan> plans;
  std::set<uint64_t> seen;
  for (const auto* h : *e->corrected()) {
    QT_ASSIGN_OR_RETURN(uint64_t index, locate(h));
    if (!seen.insert(index).second) {
      return InvalidArgument("a record is named twice in corrected", "bad_record");
    }
    if (erroneous_.count(index) != 0) {
      return AlreadyExists("record at index " + std::to_string(index) +
                               " was already declared erroneous",
                           "already_corrected");
    }
    QT_ASSIGN_OR_RETURN(std::string bytes, load_entry_(index));
    plans.push_back({index, std::move(bytes)});
  }
  for (const auto& p : plans) {
    QT_ASSIGN_OR_RETURN(const fb::LogEntry* entry, VerifyLogEntry(p.bytes));
    QT_ASSIGN_OR_RETURN(const fb::Record* rec, RecordOfEntry(*entry));
    auto stated = FindParty(Sv(rec->header()->party()));
    if (!stated || (*stated != me && !IsAuthority(me))) {
      return PermissionDenied("only the party that stated a record (or a regulator) corrects it",
                              "not_own_record");
    }
    PartyIdx party = *stated;
    switch (rec->body_type()) {
      case fb::Body::LotRegistration: {
        const auto* l = rec->body_as_LotRegistration();
        auto lot = FindLot(l->lot()->scheme(), Sv(l->lot()->product()), Sv(l->lot()->lot()));
        if (!lot) return Rule("lot already gone", "unknown_lot");
        const LotInfo& li = lots_[*lot];
        if (li.holdings.size() != 1 || li.holdings[0].held != li.quantity) {
          return Rule("lot " + LotRefString(*lot) +
                          " has moved on (shipped, used or adjusted); correct those records first",
                      "correction_blocked");
        }
        break;
      }
      case fb::Body::Shipment: {
        auto it = shipments_.find(OwnedKey(party, Sv(rec->body_as_Shipment()->shipment_id())));
        if (it == shipments_.end() || it->second.voided) {
          return Rule("shipment already gone", "unknown_shipment");
        }
        if (it->second.receipted) {
          return Rule("shipment was already received; record a return shipment instead",
                      "correction_blocked");
        }
        break;
      }
      case fb::Body::Disposition:
      case fb::Body::Adjustment:
        break;
      case fb::Body::UnitEvent:
        // A storage claim has no balances behind it: declared wrong, it
        // no longer puts goods in the unit (recall seeds skip it).
        if (rec->body_as_UnitEvent()->kind() != fb::UnitEventKind::STORED) {
          return Rule("only 'stored' unit events can be reversed by a declaration; record "
                      "the opposite event",
                      "correction_blocked");
        }
        break;
      default:
        return Rule("'" + std::string(BodyTypeName(rec->body_type())) +
                        "' records cannot be reversed by a declaration; record the opposite event",
                    "correction_blocked");
    }
  }
  // Apply the reversals.
  for (const auto& p : plans) {
    const fb::LogEntry* entry = fb::GetLogEntry(p.bytes.data());
    const fb::Record* rec = *RecordOfEntry(*entry);
    PartyIdx party = *FindParty(Sv(rec->header()->party()));
    switch (rec->body_type()) {
      case fb::Body::LotRegistration: {
        const auto* l = rec->body_as_LotRegistration();
        std::string key = LotKey(l->lot()->scheme(), Sv(l->lot()->product()), Sv(l->lot()->lot()));
        LotId lot = lot_by_key_.at(key);
        LotInfo& li = lots_[lot];
        li.voided = true;
        li.holdings[0].held = 0;
        li.custody.push_back({party, CustodyEvent::kVoided, kNoIdx, li.quantity, ctx.index});
        lot_by_key_.erase(key);  // the key may be registered again, correctly
        if (l->inputs() != nullptr) {
          for (const auto* in : *l->inputs()) {
            auto input = FindLot(in->lot()->scheme(), Sv(in->lot()->product()), Sv(in->lot()->lot()));
            if (!input) continue;
            auto a = ToAmount(in->quantity()->value(), in->quantity()->scale(),
                              Sv(in->quantity()->unit()));
            if (!a.ok()) continue;
            Holding& h = lots_[*input].MutableHolding(party);
            h.held += a->micro_base;
            h.used -= a->micro_base;
            lots_[*input].custody.push_back(
                {party, CustodyEvent::kUsed, kNoIdx, -a->micro_base, ctx.index});
          }
        }
        QT_RETURN_IF_ERROR(LineageOk(lineage_->VoidLot(lot, ctx.index)));
        break;
      }
      case fb::Body::Shipment: {
        auto& sh = shipments_.at(OwnedKey(party, Sv(rec->body_as_Shipment()->shipment_id())));
        sh.voided = true;
        for (const auto& item : sh.items) {
          LotInfo& l = lots_[item.lot];
          Holding& hs = l.MutableHolding(sh.from);
          hs.held += item.quantity;
          hs.shipped -= item.quantity;
          l.MutableHolding(sh.to).in_transit -= item.quantity;
          l.custody.push_back({sh.from, CustodyEvent::kShipmentVoided, sh.to, item.quantity,
                               ctx.index});
        }
        for (const auto& sn : sh.serials) {
          SerialInfo& si = serials_[sn];
          si.holder = sh.from;
          si.state = SerialInfo::kActive;
          si.index = ctx.index;
        }
        break;
      }
      case fb::Body::Disposition: {
        const auto* d = rec->body_as_Disposition();
        for (const auto* item : *d->items()) {
          auto lot = FindLot(item->lot()->scheme(), Sv(item->lot()->product()), Sv(item->lot()->lot()));
          if (!lot) continue;
          auto a = ToAmount(item->quantity()->value(), item->quantity()->scale(),
                            Sv(item->quantity()->unit()));
          if (!a.ok()) continue;
          LotInfo& l = lots_[*lot];
          Holding& h = l.MutableHolding(party);
          int64_t q = a->micro_base;
          switch (d->kind()) {
            case fb::DispositionKind::RECOVERED: h.held -= q; h.recovered -= q; break;
            case fb::DispositionKind::DESTROYED: h.held += q; h.destroyed -= q; break;
            default: h.held += q; h.consumed -= q; break;
          }
          l.custody.push_back({party, CustodyEvent::kAdjusted, kNoIdx,
                               d->kind() == fb::DispositionKind::RECOVERED ? -q : q, ctx.index});
        }
        break;
      }
      case fb::Body::Adjustment: {
        const auto* a = rec->body_as_Adjustment();
        auto lot = FindLot(a->lot()->scheme(), Sv(a->lot()->product()), Sv(a->lot()->lot()));
        if (!lot) break;
        auto amount = ToAmount(a->delta()->value(), a->delta()->scale(), Sv(a->delta()->unit()));
        if (!amount.ok()) break;
        Holding& h = lots_[*lot].MutableHolding(party);
        h.held -= amount->micro_base;
        h.adjusted -= amount->micro_base;
        lots_[*lot].custody.push_back(
            {party, CustodyEvent::kAdjusted, kNoIdx, -amount->micro_base, ctx.index});
        break;
      }
      default:
        break;
    }
    erroneous_[p.index] = ctx.index;
  }
  return Status::Ok();
}

// ---- certificates, inspections, rule parameters ------------------------------------------

namespace {

std::vector<AttrValue> CopyAttrs(const flatbuffers::Vector<flatbuffers::Offset<fb::Attr>>* v) {
  std::vector<AttrValue> out;
  if (v == nullptr) return out;
  for (const fb::Attr* a : *v) {
    AttrValue x;
    x.key = a->key() ? a->key()->str() : "";
    x.type = a->type();
    x.str = a->str() ? a->str()->str() : "";
    x.num = a->num();
    x.scale = a->scale();
    x.flag = a->flag();
    out.push_back(std::move(x));
  }
  return out;
}

std::vector<uint32_t> Collect(const std::unordered_multimap<uint32_t, uint32_t>& m, uint32_t key) {
  std::vector<uint32_t> out;
  auto range = m.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

fb::CertStatus CertInfo::StatusAt(int64_t t) const {
  fb::CertStatus status = fb::CertStatus::VALID;
  int64_t best = INT64_MIN;
  for (const auto& e : history) {
    // The latest change effective at t wins; among equal times, log order.
    if (e.effective <= t && e.effective >= best) {
      best = e.effective;
      status = e.status == fb::CertStatus::REINSTATED ? fb::CertStatus::VALID : e.status;
    }
  }
  return status;
}

bool CertInfo::ValidAt(int64_t t) const {
  if (t < valid_from || (valid_to != 0 && t >= valid_to)) return false;
  return StatusAt(t) == fb::CertStatus::VALID;
}

const AttrValue* CertInfo::Attr(std::string_view key) const {
  for (const auto& a : attributes) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

const AttrValue* ParamSet::Param(std::string_view key) const {
  for (const auto& a : params) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

const CertInfo* LedgerState::FindCertificate(std::string_view cert_id) const {
  auto it = cert_by_id_.find(std::string(cert_id));
  return it == cert_by_id_.end() ? nullptr : &certs_[it->second];
}
std::vector<uint32_t> LedgerState::CertificatesOfLot(LotId lot) const {
  return Collect(certs_by_lot_, lot);
}
std::vector<uint32_t> LedgerState::CertificatesOfParty(PartyIdx party) const {
  return Collect(certs_by_party_, party);
}
std::vector<uint32_t> LedgerState::CertificatesOfProduct(ProductIdx product) const {
  return Collect(certs_by_product_, product);
}
std::vector<uint32_t> LedgerState::InspectionsOfLot(LotId lot) const {
  return Collect(inspections_by_lot_, lot);
}
const ParamSet* LedgerState::CurrentParams(std::string_view sector) const {
  auto it = current_params_.find(std::string(sector));
  return it == current_params_.end() ? nullptr : &param_sets_[it->second];
}

Status LedgerState::ApplyCertificate(const fb::Record& r, const RecordContext& ctx) {
  const fb::Certificate* c = r.body_as_Certificate();
  PartyIdx issuer = ctx.key->party;
  std::string_view id = Sv(c->cert_id());
  if (id.empty() || id.size() > 64) {
    return InvalidArgument("cert_id must have 1-64 characters", "bad_record");
  }
  QT_RETURN_IF_ERROR(ValidateId("kind", Sv(c->kind())));
  if (cert_by_id_.count(std::string(id)) != 0) {
    return AlreadyExists("certificate " + std::string(id) + " already exists", "certificate_exists");
  }
  CertInfo info;
  info.id = std::string(id);
  info.kind = c->kind()->str();
  info.standard = c->standard() ? c->standard()->str() : "";
  info.scope = c->scope() ? c->scope()->str() : "";
  info.issuer = issuer;
  info.valid_from = Micros(c->valid_from());
  info.valid_to = Micros(c->valid_to());
  info.index = ctx.index;
  if (info.valid_from <= 0) return InvalidArgument("valid_from is required", "bad_time");
  if (info.valid_to != 0 && info.valid_to <= info.valid_from) {
    return InvalidArgument("valid_to must be after valid_from", "bad_time");
  }
  if (c->subject_party() && c->subject_party()->size() > 0) {
    auto p = FindParty(c->subject_party()->string_view());
    if (!p) return Rule("unknown subject party " + c->subject_party()->str(), "unknown_party");
    info.subject_party = *p;
  }
  if (c->subject_product() && c->subject_product()->size() > 0) {
    auto p = FindProduct(c->subject_product_scheme(), c->subject_product()->string_view());
    if (!p) return Rule("unknown subject product " + c->subject_product()->str(), "unknown_product");
    info.subject_product = *p;
  }
  if (c->subject_lot() != nullptr) {
    QT_ASSIGN_OR_RETURN(info.subject_lot, ResolveLot(c->subject_lot(), "subject_lot"));
  }
  if (c->subject_unit() && c->subject_unit()->size() > 0) {
    PartyIdx owner = info.subject_party != kNoIdx ? info.subject_party : issuer;
    auto u = FindUnit(owner, c->subject_unit()->string_view());
    if (!u) return Rule("unknown subject unit " + c->subject_unit()->str(), "unknown_unit");
    info.subject_unit = *u;
  }
  if (info.subject_party == kNoIdx && info.subject_product == kNoIdx &&
      info.subject_lot == kNoIdx && info.subject_unit == kNoIdx) {
    return InvalidArgument("a certificate needs a subject", "bad_record");
  }
  // Enterprises (and anyone without a certifying role) only certify
  // themselves: their own party, products, lots and units (e.g. the
  // self-issued commitment certificate). Which kinds need a certifier is a
  // sector rule.
  const RoleMask certifying = RoleBit(fb::Role::CERTIFIER) | RoleBit(fb::Role::LAB) |
                              RoleBit(fb::Role::REGULATOR) | RoleBit(fb::Role::ADMIN);
  if ((parties_[issuer].roles & certifying) == 0) {
    bool own = (info.subject_party == kNoIdx || info.subject_party == issuer) &&
               (info.subject_product == kNoIdx || products_[info.subject_product].owner == issuer) &&
               (info.subject_lot == kNoIdx || lots_[info.subject_lot].producer == issuer);
    if (!own) {
      return PermissionDenied("an enterprise certifies only its own parties, products and lots",
                              "not_own_record");
    }
  }
  info.attributes = CopyAttrs(c->attributes());
  uint32_t idx = static_cast<uint32_t>(certs_.size());
  cert_by_id_[info.id] = idx;
  if (info.subject_lot != kNoIdx) certs_by_lot_.emplace(info.subject_lot, idx);
  if (info.subject_party != kNoIdx) certs_by_party_.emplace(info.subject_party, idx);
  if (info.subject_product != kNoIdx) certs_by_product_.emplace(info.subject_product, idx);
  certs_.push_back(std::move(info));
  return Status::Ok();
}

Status LedgerState::ApplyCertificateStatus(const fb::Record& r, const RecordContext& ctx) {
  const fb::CertificateStatusChange* c = r.body_as_CertificateStatusChange();
  auto it = cert_by_id_.find(std::string(Sv(c->cert_id())));
  if (it == cert_by_id_.end()) {
    return Rule("unknown certificate " + std::string(Sv(c->cert_id())), "unknown_certificate");
  }
  CertInfo& cert = certs_[it->second];
  PartyIdx me = ctx.key->party;
  if (cert.issuer != me && !HasRole(me, fb::Role::REGULATOR) && !HasRole(me, fb::Role::ADMIN)) {
    return PermissionDenied("only the issuer or a regulator changes a certificate's status",
                            "not_own_record");
  }
  if (c->status() > fb::CertStatus::REINSTATED) return InvalidArgument("unknown status", "bad_record");
  int64_t stated = Micros(c->effective());
  if (stated <= 0) return InvalidArgument("effective time is required", "bad_time");
  if (cert.StatusAt(INT64_MAX) == fb::CertStatus::REVOKED) {
    return Rule("certificate " + cert.id + " was revoked", "certificate_revoked");
  }
  // Effective from the earlier of the stated time and the record time, so a
  // post-dated suspension takes effect when it is recorded.
  cert.history.push_back({c->status(), std::min(stated, ctx.record_time), ctx.index});
  return Status::Ok();
}

Status LedgerState::ApplyInspection(const fb::Record& r, const RecordContext& ctx) {
  const fb::Inspection* in = r.body_as_Inspection();
  QT_RETURN_IF_ERROR(ValidateId("inspection_id", Sv(in->inspection_id())));
  QT_RETURN_IF_ERROR(ValidateId("kind", Sv(in->kind())));
  for (const auto& existing : inspections_) {
    if (existing.id == Sv(in->inspection_id())) {
      return AlreadyExists("inspection " + existing.id + " already exists", "inspection_exists");
    }
  }
  QT_ASSIGN_OR_RETURN(LotId lot, ResolveLot(in->lot(), "lot"));
  InspectionInfo info;
  info.id = in->inspection_id()->str();
  info.kind = in->kind()->str();
  info.report_no = in->report_no() ? in->report_no()->str() : "";
  info.issuer = ctx.key->party;
  info.lot = lot;
  info.pass = in->result() == fb::InspectionResult::PASS;
  info.time = Micros(r.header()->event_time());
  info.index = ctx.index;
  if (in->items()) {
    for (const auto* item : *in->items()) {
      if (!item->pass()) info.failed_items.push_back(item->name() ? item->name()->str() : "");
    }
  }
  if (info.pass && !info.failed_items.empty()) {
    return InvalidArgument("the inspection passes but items fail: " + info.failed_items[0],
                           "bad_record");
  }
  uint32_t idx = static_cast<uint32_t>(inspections_.size());
  inspections_by_lot_.emplace(lot, idx);
  inspections_.push_back(std::move(info));
  return Status::Ok();
}

Status LedgerState::ApplyRuleParameters(const fb::Record& r, const RecordContext& ctx) {
  const fb::RuleParameters* p = r.body_as_RuleParameters();
  QT_RETURN_IF_ERROR(ValidateId("sector", Sv(p->sector())));
  QT_RETURN_IF_ERROR(ValidateId("set_id", Sv(p->set_id())));
  for (const auto& existing : param_sets_) {
    if (existing.sector == Sv(p->sector()) && existing.set_id == Sv(p->set_id())) {
      return AlreadyExists("parameter set " + existing.set_id + " of " + existing.sector +
                               " already exists",
                           "params_exist");
    }
  }
  ParamSet set;
  set.sector = p->sector()->str();
  set.set_id = p->set_id()->str();
  set.index = ctx.index;
  set.params = CopyAttrs(p->params());
  std::set<std::string> keys;
  for (const auto& a : set.params) {
    if (!keys.insert(a.key).second) {
      return InvalidArgument("parameter " + a.key + " is given twice", "bad_record");
    }
  }
  current_params_[set.sector] = static_cast<uint32_t>(param_sets_.size());
  param_sets_.push_back(std::move(set));
  return Status::Ok();
}

// ---- dispatch ------------------------------------------------------------------------------

Status LedgerState::Apply(const fb::Record& r, const RecordContext& ctx, StateEffects* fx) {
  if (ctx.key == nullptr) return Internal("Apply without a verified key");
  const PartyInfo& signer = parties_[ctx.key->party];
  if (Sv(r.header()->party()) != signer.id) {
    return Unauthenticated("record states party '" + std::string(Sv(r.header()->party())) +
                               "' but is signed by a key of '" + signer.id + "'",
                           "party_key_mismatch");
  }
  QT_RETURN_IF_ERROR(CheckRole(*ctx.key, r.body_type()));
  QT_RETURN_IF_ERROR(CheckTime(r, ctx));
  switch (r.body_type()) {
    case fb::Body::PartyRegistration: return ApplyParty(r, ctx);
    case fb::Body::KeyRotation: return ApplyKeyRotation(r, ctx);
    case fb::Body::KeyRevocation: return ApplyKeyRevocation(r, ctx);
    case fb::Body::ProductRegistration: return ApplyProduct(r, ctx);
    case fb::Body::UnitRegistration: return ApplyUnit(r, ctx);
    case fb::Body::UnitEvent: return ApplyUnitEvent(r, ctx);
    case fb::Body::LotRegistration: return ApplyLot(r, ctx, fx);
    case fb::Body::Aggregation: return ApplyAggregation(r, ctx, fx);
    case fb::Body::Shipment: return ApplyShipment(r, ctx, fx);
    case fb::Body::Receipt: return ApplyReceipt(r, ctx, fx);
    case fb::Body::Disposition: return ApplyDisposition(r, ctx, fx);
    case fb::Body::Adjustment: return ApplyAdjustment(r, ctx);
    case fb::Body::LotStatusChange: return ApplyLotStatus(r, ctx);
    case fb::Body::ErrorDeclaration: return ApplyErrorDeclaration(r, ctx);
    case fb::Body::Certificate: return ApplyCertificate(r, ctx);
    case fb::Body::CertificateStatusChange: return ApplyCertificateStatus(r, ctx);
    case fb::Body::Inspection: return ApplyInspection(r, ctx);
    case fb::Body::RuleParameters: return ApplyRuleParameters(r, ctx);
    case fb::Body::RecallOrder: return ApplyRecallOrder(r, ctx, fx);
    case fb::Body::RecallNotice: return ApplyRecallNotice(r, ctx);
    case fb::Body::RecallAck: return ApplyRecallAck(r, ctx);
    case fb::Body::RecallProgress: return ApplyRecallProgress(r, ctx);
    case fb::Body::RecallTransition: return ApplyRecallTransition(r, ctx);
    case fb::Body::RecallWiden: return ApplyRecallWiden(r, ctx, fx);
    case fb::Body::RecallOverdue: return ApplyRecallOverdue(r, ctx);
    default:
      return InvalidArgument("unsupported record type", "unsupported_type");
  }
}

}  // namespace qtrace::host
