#include "host_services.h"

#include <cstring>
#include <exception>

#include "qtrace/fb/plugin_generated.h"
#include "qtrace/log_entry.h"
#include "qtrace/quantity.h"

namespace qtrace::host::plugin_internal {
namespace {

namespace fbp = ::qtrace::fb::plugin;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

std::string_view View(qt_str s) { return s.data ? std::string_view(s.data, s.size) : std::string_view(); }
std::string_view Sv(const flatbuffers::String* s) { return s ? s->string_view() : std::string_view(); }

qt_status SinkWrite(qt_sink* self, const void* data, size_t size) {
  auto* sink = static_cast<HostSink*>(self);
  if (size > sink->limit - std::min(sink->limit, sink->bytes.size())) {
    sink->refused = true;
    return QT_ERR_TOO_LARGE;
  }
  if (size > 0) {
    if (data == nullptr) return QT_ERR_INVALID_ARGUMENT;
    sink->bytes.append(static_cast<const char*>(data), size);
  }
  return QT_OK;
}

// Runs a lookup body; no exception may unwind into the plugin's C frames.
template <typename F>
qt_status Guarded(qt_bytes* out, F&& f) noexcept {
  if (out == nullptr) return QT_ERR_INVALID_ARGUMENT;
  *out = qt_bytes{nullptr, 0};
  try {
    return f();
  } catch (...) {
    *out = qt_bytes{nullptr, 0};
    return QT_ERR_INTERNAL;
  }
}

qt_status Answer(CallState* call, FlatBufferBuilder& b, qt_bytes* out) {
  call->answers.push_back(b.Release());
  const auto& buf = call->answers.back();
  *out = qt_bytes{buf.data(), buf.size()};
  return QT_OK;
}

std::string_view BaseUnit(const DimensionKey& d) {
  switch (d.dimension) {
    case Dimension::kMass: return "KGM";
    case Dimension::kVolume: return "LTR";
    case Dimension::kCount: return "H87";
    case Dimension::kLength: return "MTR";
    case Dimension::kArea: return "MTK";
    case Dimension::kOther: return d.other_unit;
  }
  return d.other_unit;
}

// ---- copies of record tables into an answer ----------------------------------

Offset<fb::LotRef> CopyLotRef(FlatBufferBuilder& b, const fb::LotRef* r) {
  if (r == nullptr) return 0;
  return fb::CreateLotRef(b, r->scheme(), b.CreateString(r->product()), b.CreateString(r->lot()));
}
Offset<fb::Quantity> CopyQuantity(FlatBufferBuilder& b, const fb::Quantity* q) {
  if (q == nullptr) return 0;
  return fb::CreateQuantity(b, q->value(), q->scale(), b.CreateString(q->unit()));
}
Offset<fb::Attr> CopyAttr(FlatBufferBuilder& b, const fb::Attr* a) {
  return fb::CreateAttr(b, b.CreateString(a->key()), a->type(), b.CreateString(a->str()), a->num(),
                        a->scale(), a->flag());
}
template <typename T, typename F>
Offset<flatbuffers::Vector<Offset<T>>> CopyVector(
    FlatBufferBuilder& b, const flatbuffers::Vector<Offset<T>>* v, F&& copy) {
  if (v == nullptr) return 0;
  std::vector<Offset<T>> out;
  out.reserve(v->size());
  for (const T* x : *v) {
    if (x != nullptr) out.push_back(copy(b, x));
  }
  return b.CreateVector(out);
}
Offset<fb::Attr> AttrFromValue(FlatBufferBuilder& b, const AttrValue& a) {
  return fb::CreateAttr(b, b.CreateString(a.key), a.type, b.CreateString(a.str), a.num, a.scale,
                        a.flag);
}

Offset<fb::LotRef> LotRefOf(FlatBufferBuilder& b, const LedgerState& s, LotId id) {
  if (id == kNoIdx || id >= s.lot_count()) return 0;
  const LotInfo& l = s.lot(id);
  const ProductInfo& p = s.product(l.product);
  return fb::CreateLotRef(b, p.scheme, b.CreateString(p.id), b.CreateString(l.code));
}

std::string_view PartyIdOf(const LedgerState& s, PartyIdx p) {
  return p != kNoIdx && p < s.party_count() ? std::string_view(s.party(p).id) : std::string_view();
}

// ---- lots -------------------------------------------------------------------------

// The lot registration of the record under check, when it registers `ref`.
const fb::LotRegistration* PendingRegistration(const CallState* call, uint8_t scheme,
                                               std::string_view product, std::string_view lot) {
  if (call->record == nullptr) return nullptr;
  const fb::LotRegistration* reg = call->record->body_as_LotRegistration();
  if (reg == nullptr || reg->lot() == nullptr) return nullptr;
  const fb::LotRef* r = reg->lot();
  if (static_cast<uint8_t>(r->scheme()) != scheme || Sv(r->product()) != product ||
      Sv(r->lot()) != lot) {
    return nullptr;
  }
  return reg;
}

// The registering record of a stored lot (nullptr when unreadable), with
// the bytes that keep it alive.
const fb::LotRegistration* StoredRegistration(CallState* call, LotId id,
                                              LotRecordCache::Entry* keep) {
  const LotInfo& l = call->state->lot(id);
  *keep = call->cache->Get(l.index, call->loader);
  if (keep->record == nullptr) return nullptr;
  const fb::LotRegistration* reg = keep->record->body_as_LotRegistration();
  if (reg == nullptr || reg->lot() == nullptr) return nullptr;
  const ProductInfo& p = call->state->product(l.product);
  if (reg->lot()->scheme() != p.scheme || Sv(reg->lot()->product()) != p.id ||
      Sv(reg->lot()->lot()) != l.code) {
    return nullptr;  // not the record we expected: never answer with the wrong one
  }
  return reg;
}

// Fields that come from a registration (attributes, certificates, inputs,
// units), shared by stored and pending lots.
struct RegFields {
  Offset<flatbuffers::Vector<Offset<fb::Attr>>> attributes;
  Offset<flatbuffers::Vector<Offset<fb::CertRef>>> certificates;
  Offset<flatbuffers::Vector<Offset<fb::Input>>> inputs;
  Offset<flatbuffers::Vector<Offset<fb::UnitUse>>> units;
  Offset<fb::Quantity> quantity;
};

RegFields CopyRegistration(FlatBufferBuilder& b, const fb::LotRegistration* reg) {
  RegFields f;
  if (reg == nullptr) return f;
  f.attributes = CopyVector(b, reg->attributes(), CopyAttr);
  f.certificates = CopyVector(b, reg->certificates(), [](FlatBufferBuilder& b, const fb::CertRef* c) {
    return fb::CreateCertRef(b, b.CreateString(c->cert_id()), b.CreateString(c->standard()));
  });
  f.inputs = CopyVector(b, reg->inputs(), [](FlatBufferBuilder& b, const fb::Input* in) {
    return fb::CreateInput(b, CopyLotRef(b, in->lot()), CopyQuantity(b, in->quantity()), in->kind());
  });
  f.units = CopyVector(b, reg->units(), [](FlatBufferBuilder& b, const fb::UnitUse* u) {
    return fb::CreateUnitUse(b, b.CreateString(u->unit()), u->start(), u->end());
  });
  f.quantity = CopyQuantity(b, reg->quantity());
  return f;
}

Offset<fbp::LotInfo> StoredLotInfo(FlatBufferBuilder& b, CallState* call, LotId id) {
  const LedgerState& s = *call->state;
  const LotInfo& l = s.lot(id);
  const ProductInfo& p = s.product(l.product);
  LotRecordCache::Entry keep;
  const fb::LotRegistration* reg = StoredRegistration(call, id, &keep);
  RegFields f = CopyRegistration(b, reg);
  auto ref = LotRefOf(b, s, id);
  auto name = b.CreateString(p.name);
  auto sector = b.CreateString(p.sector);
  auto producer = b.CreateString(PartyIdOf(s, l.producer));
  auto base = b.CreateString(BaseUnit(l.dim));
  auto site = b.CreateString(l.site);
  fb::Timestamp produced(l.production_time, l.production_offset);
  fbp::LotInfoBuilder lb(b);
  lb.add_lot(ref);
  lb.add_product_name(name);
  lb.add_sector(sector);
  lb.add_producer(producer);
  lb.add_quantity(f.quantity);
  lb.add_base_unit(base);
  lb.add_quantity_micro(l.quantity);
  lb.add_production_time(&produced);
  lb.add_expiry_time(l.expiry_time);
  lb.add_site(site);
  lb.add_status(l.status);
  lb.add_voided(l.voided);
  lb.add_log_index(l.index);
  lb.add_pending(false);
  lb.add_record_available(reg != nullptr);
  lb.add_attributes(f.attributes);
  lb.add_certificates(f.certificates);
  lb.add_inputs(f.inputs);
  lb.add_units(f.units);
  return lb.Finish();
}

Offset<fbp::LotInfo> PendingLotInfo(FlatBufferBuilder& b, CallState* call,
                                    const fb::LotRegistration* reg) {
  const LedgerState& s = *call->state;
  const fb::LotRef* r = reg->lot();
  auto product = s.FindProduct(r->scheme(), Sv(r->product()));
  std::string_view product_name, sector;
  if (product) {
    product_name = s.product(*product).name;
    sector = s.product(*product).sector;
  }
  std::string base_unit;
  int64_t micro = 0;
  if (const fb::Quantity* q = reg->quantity(); q != nullptr && q->unit() != nullptr) {
    auto a = ToAmount(q->value(), q->scale(), q->unit()->string_view());
    if (a.ok()) {
      base_unit = std::string(BaseUnit(a->dim));
      micro = a->micro_base;
    }
  }
  RegFields f = CopyRegistration(b, reg);
  auto ref = CopyLotRef(b, r);
  auto name = b.CreateString(product_name);
  auto sec = b.CreateString(sector);
  std::string_view signer = call->ctx && call->ctx->key ? std::string_view(call->ctx->key->party_id)
                                                         : Sv(call->record->header()->party());
  auto producer = b.CreateString(signer);
  auto base = b.CreateString(base_unit);
  auto site = b.CreateString(reg->site());
  fbp::LotInfoBuilder lb(b);
  lb.add_lot(ref);
  lb.add_product_name(name);
  lb.add_sector(sec);
  lb.add_producer(producer);
  lb.add_quantity(f.quantity);
  lb.add_base_unit(base);
  lb.add_quantity_micro(micro);
  if (reg->production_time()) lb.add_production_time(reg->production_time());
  lb.add_expiry_time(reg->expiry_time() ? reg->expiry_time()->micros() : 0);
  lb.add_site(site);
  lb.add_status(fb::LotStatus::RELEASED);
  lb.add_voided(false);
  lb.add_log_index(call->ctx ? call->ctx->index : 0);
  lb.add_pending(true);
  lb.add_record_available(true);
  lb.add_attributes(f.attributes);
  lb.add_certificates(f.certificates);
  lb.add_inputs(f.inputs);
  lb.add_units(f.units);
  return lb.Finish();
}

std::optional<LotId> FindLot(const CallState* call, uint8_t scheme, std::string_view product,
                             std::string_view lot) {
  if (scheme > static_cast<uint8_t>(fb::IdScheme::MAX)) return std::nullopt;
  return call->state->FindLot(static_cast<fb::IdScheme>(scheme), product, lot);
}

qt_status GetLot(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    FlatBufferBuilder b(1024);
    if (const auto* reg = PendingRegistration(call, scheme, View(product), View(lot))) {
      b.Finish(PendingLotInfo(b, call, reg));
      return Answer(call, b, out);
    }
    auto id = FindLot(call, scheme, View(product), View(lot));
    if (!id) return QT_ERR_NOT_FOUND;
    b.Finish(StoredLotInfo(b, call, *id));
    return Answer(call, b, out);
  });
}

qt_status GetLotInputs(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                       qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const fb::LotRegistration* reg = PendingRegistration(call, scheme, View(product), View(lot));
    LotRecordCache::Entry keep;
    if (reg == nullptr) {
      auto id = FindLot(call, scheme, View(product), View(lot));
      if (!id) return QT_ERR_NOT_FOUND;
      reg = StoredRegistration(call, *id, &keep);
    }
    FlatBufferBuilder b(2048);
    std::vector<Offset<fbp::InputLot>> inputs;
    if (reg != nullptr && reg->inputs() != nullptr) {
      for (const fb::Input* in : *reg->inputs()) {
        if (in == nullptr || in->lot() == nullptr) continue;
        const fb::LotRef* r = in->lot();
        auto id = call->state->FindLot(r->scheme(), Sv(r->product()), Sv(r->lot()));
        if (!id) continue;
        auto info = StoredLotInfo(b, call, *id);
        inputs.push_back(fbp::CreateInputLot(b, info, in->kind(), CopyQuantity(b, in->quantity())));
      }
    } else if (reg == nullptr) {
      return QT_ERR_NOT_FOUND;  // the registration cannot be read
    }
    b.Finish(fbp::CreateInputList(b, b.CreateVector(inputs)));
    return Answer(call, b, out);
  });
}

qt_status GetBalances(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                      qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    auto id = FindLot(call, scheme, View(product), View(lot));
    if (!id) return QT_ERR_NOT_FOUND;
    const LedgerState& s = *call->state;
    const LotInfo& l = s.lot(*id);
    FlatBufferBuilder b(1024);
    std::vector<Offset<fbp::Holding>> hs;
    for (const Holding& h : l.holdings) {
      hs.push_back(fbp::CreateHolding(b, b.CreateString(PartyIdOf(s, h.party)), h.held, h.produced,
                                      h.received, h.in_transit, h.shipped, h.used, h.consumed,
                                      h.destroyed, h.recovered, h.adjusted));
    }
    auto ref = LotRefOf(b, s, *id);
    auto base = b.CreateString(BaseUnit(l.dim));
    auto hv = b.CreateVector(hs);
    b.Finish(fbp::CreateBalances(b, ref, base, l.quantity, hv));
    return Answer(call, b, out);
  });
}

qt_status GetUnit(qt_lookup* lookup, qt_str owner, qt_str unit_id, int64_t from, int64_t to,
                  qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const LedgerState& s = *call->state;
    auto party = s.FindParty(View(owner));
    if (!party) return QT_ERR_NOT_FOUND;
    auto unit = s.FindUnit(*party, View(unit_id));
    if (!unit) return QT_ERR_NOT_FOUND;
    const UnitInfo& u = s.unit(*unit);
    const bool all = from == 0 && to == 0;
    FlatBufferBuilder b(1024);
    std::vector<Offset<fbp::UnitEventInfo>> events;
    for (const UnitEventInfo& e : u.events) {
      int64_t end = e.end != 0 ? e.end : e.start;
      if (!all && (end < from || e.start > to)) continue;
      events.push_back(fbp::CreateUnitEventInfo(b, e.kind, e.start, e.end, LotRefOf(b, s, e.input),
                                                e.quantity, e.index));
    }
    auto id = b.CreateString(u.id);
    auto own = b.CreateString(PartyIdOf(s, u.owner));
    auto site = b.CreateString(u.site);
    auto sector = b.CreateString(u.sector);
    auto ev = b.CreateVector(events);
    b.Finish(fbp::CreateUnitInfo(b, id, own, u.kind, site, sector, u.index, ev));
    return Answer(call, b, out);
  });
}

qt_status GetParty(qt_lookup* lookup, qt_str party_id, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const LedgerState& s = *call->state;
    auto p = s.FindParty(View(party_id));
    if (!p) return QT_ERR_NOT_FOUND;
    const PartyInfo& info = s.party(*p);
    FlatBufferBuilder b(1024);
    std::vector<uint8_t> roles;
    for (int r = 0; r <= static_cast<int>(fb::Role::MAX); ++r) {
      if (info.roles & RoleBit(static_cast<fb::Role>(r))) roles.push_back(static_cast<uint8_t>(r));
    }
    std::vector<Offset<flatbuffers::String>> sectors;
    for (const auto& sec : info.sectors) sectors.push_back(b.CreateString(sec));
    std::vector<Offset<fb::Licence>> licences;
    for (const auto& l : info.licences) {
      fb::Timestamp from(l.valid_from, 0), to(l.valid_to, 0);
      licences.push_back(fb::CreateLicence(b, b.CreateString(l.kind), b.CreateString(l.number),
                                           b.CreateString(l.scope), &from, &to));
    }
    auto id = b.CreateString(info.id);
    auto name = b.CreateString(info.name);
    auto rv = b.CreateVector(reinterpret_cast<const fb::Role*>(roles.data()), roles.size());
    auto sv = b.CreateVector(sectors);
    auto lv = b.CreateVector(licences);
    auto gln = b.CreateString(info.gln);
    auto area = b.CreateString(info.admin_area);
    b.Finish(fbp::CreatePartyInfo(b, id, name, rv, sv, lv, gln, area, info.index));
    return Answer(call, b, out);
  });
}

Offset<fbp::CertificateInfo> CertInfoOf(FlatBufferBuilder& b, const LedgerState& s,
                                        const CertInfo& c) {
  std::vector<Offset<fb::Attr>> attrs;
  for (const auto& a : c.attributes) attrs.push_back(AttrFromValue(b, a));
  std::vector<Offset<fbp::CertStatusInfo>> history;
  for (const auto& h : c.history) {
    history.push_back(fbp::CreateCertStatusInfo(b, h.status, h.effective, h.index));
  }
  fb::IdScheme product_scheme = fb::IdScheme::GTIN;
  std::string_view product;
  if (c.subject_product != kNoIdx && c.subject_product < s.product_count()) {
    product_scheme = s.product(c.subject_product).scheme;
    product = s.product(c.subject_product).id;
  }
  std::string_view unit;
  if (c.subject_unit != kNoIdx && c.subject_unit < s.unit_count()) unit = s.unit(c.subject_unit).id;
  auto id = b.CreateString(c.id);
  auto kind = b.CreateString(c.kind);
  auto standard = b.CreateString(c.standard);
  auto issuer = b.CreateString(PartyIdOf(s, c.issuer));
  auto subject_party = b.CreateString(PartyIdOf(s, c.subject_party));
  auto subject_product = b.CreateString(product);
  auto subject_lot = LotRefOf(b, s, c.subject_lot);
  auto subject_unit = b.CreateString(unit);
  auto scope = b.CreateString(c.scope);
  auto av = b.CreateVector(attrs);
  auto hv = b.CreateVector(history);
  return fbp::CreateCertificateInfo(b, id, kind, standard, issuer, subject_party, product_scheme,
                                    subject_product, subject_lot, subject_unit, scope, c.valid_from,
                                    c.valid_to, av, hv, c.index);
}

qt_status GetCertificate(qt_lookup* lookup, qt_str cert_id, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const CertInfo* c = call->state->FindCertificate(View(cert_id));
    if (c == nullptr) return QT_ERR_NOT_FOUND;
    FlatBufferBuilder b(1024);
    b.Finish(CertInfoOf(b, *call->state, *c));
    return Answer(call, b, out);
  });
}

qt_status ListCertificates(qt_lookup* lookup, int32_t subject_kind, uint8_t scheme,
                           qt_str product, qt_str lot, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const LedgerState& s = *call->state;
    std::vector<uint32_t> ids;
    if (subject_kind == QT_SUBJECT_LOT) {
      auto id = FindLot(call, scheme, View(product), View(lot));
      if (!id) return QT_ERR_NOT_FOUND;
      ids = s.CertificatesOfLot(*id);
    } else if (subject_kind == QT_SUBJECT_PRODUCT) {
      if (scheme > static_cast<uint8_t>(fb::IdScheme::MAX)) return QT_ERR_NOT_FOUND;
      auto p = s.FindProduct(static_cast<fb::IdScheme>(scheme), View(product));
      if (!p) return QT_ERR_NOT_FOUND;
      ids = s.CertificatesOfProduct(*p);
    } else if (subject_kind == QT_SUBJECT_PARTY) {
      auto p = s.FindParty(View(product));
      if (!p) return QT_ERR_NOT_FOUND;
      ids = s.CertificatesOfParty(*p);
    } else {
      return QT_ERR_INVALID_ARGUMENT;
    }
    FlatBufferBuilder b(2048);
    std::vector<Offset<fbp::CertificateInfo>> certs;
    for (uint32_t i : ids) certs.push_back(CertInfoOf(b, s, s.certificate(i)));
    b.Finish(fbp::CreateCertificateList(b, b.CreateVector(certs)));
    return Answer(call, b, out);
  });
}

qt_status GetRuleParams(qt_lookup* lookup, qt_str sector, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const ParamSet* p = call->state->CurrentParams(View(sector));
    if (p == nullptr) return QT_ERR_NOT_FOUND;
    FlatBufferBuilder b(1024);
    std::vector<Offset<fb::Attr>> params;
    for (const auto& a : p->params) params.push_back(AttrFromValue(b, a));
    auto sec = b.CreateString(p->sector);
    auto id = b.CreateString(p->set_id);
    auto pv = b.CreateVector(params);
    b.Finish(fbp::CreateParamSet(b, sec, id, p->index, pv));
    return Answer(call, b, out);
  });
}

qt_status GetInspections(qt_lookup* lookup, uint8_t scheme, qt_str product, qt_str lot,
                         qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    CallState* call = FromLookup(lookup);
    const LedgerState& s = *call->state;
    auto id = FindLot(call, scheme, View(product), View(lot));
    if (!id) return QT_ERR_NOT_FOUND;
    FlatBufferBuilder b(1024);
    std::vector<Offset<fbp::InspectionInfo>> list;
    for (uint32_t i : s.InspectionsOfLot(*id)) {
      const InspectionInfo& in = s.inspections()[i];
      std::vector<Offset<flatbuffers::String>> failed;
      for (const auto& f : in.failed_items) failed.push_back(b.CreateString(f));
      auto iid = b.CreateString(in.id);
      auto kind = b.CreateString(in.kind);
      auto report = b.CreateString(in.report_no);
      auto issuer = b.CreateString(PartyIdOf(s, in.issuer));
      auto ref = LotRefOf(b, s, in.lot);
      auto fv = b.CreateVector(failed);
      list.push_back(fbp::CreateInspectionInfo(b, iid, kind, report, issuer, ref, in.pass, in.time,
                                               fv, in.index));
    }
    b.Finish(fbp::CreateInspectionList(b, b.CreateVector(list)));
    return Answer(call, b, out);
  });
}

}  // namespace

HostSink::HostSink(size_t limit_bytes) : limit(limit_bytes) {
  write = &SinkWrite;
  host_data = nullptr;
  bytes.reserve(256);  // heap from the start: 8-byte aligned for the Verifier
}

void LotRecordCache::Put(uint64_t index, std::string_view payload) {
  auto bytes = std::make_shared<std::string>(payload);
  if (bytes->capacity() < 16) bytes->reserve(16);  // never the small-string buffer
  Entry e;
  e.record = flatbuffers::GetRoot<fb::Record>(bytes->data());
  e.bytes = std::move(bytes);
  std::lock_guard lock(mu_);
  Insert(index, std::move(e));
}

LotRecordCache::Entry LotRecordCache::Get(uint64_t index, const EntryLoader* loader) {
  {
    std::lock_guard lock(mu_);
    auto it = slots_.find(index);
    if (it != slots_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.entry;
    }
  }
  if (loader == nullptr || !*loader) return {};
  auto bytes = (*loader)(index);
  if (!bytes.ok()) return {};
  auto owned = std::make_shared<std::string>(std::move(*bytes));
  auto entry = VerifyLogEntry(*owned, /*verify_record=*/true);
  if (!entry.ok()) return {};
  auto record = RecordOfEntry(**entry);
  if (!record.ok()) return {};
  Entry e{owned, *record};
  std::lock_guard lock(mu_);
  Insert(index, e);
  return e;
}

void LotRecordCache::Insert(uint64_t index, Entry entry) {
  if (capacity_ == 0) return;
  auto it = slots_.find(index);
  if (it != slots_.end()) {
    it->second.entry = std::move(entry);
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  while (slots_.size() >= capacity_) {
    slots_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(index);
  slots_.emplace(index, Slot{std::move(entry), lru_.begin()});
}

void FillLookupServices(qt_host_api* api) {
  api->get_lot = &GetLot;
  api->get_lot_inputs = &GetLotInputs;
  api->get_balances = &GetBalances;
  api->get_unit = &GetUnit;
  api->get_party = &GetParty;
  api->get_certificate = &GetCertificate;
  api->list_certificates = &ListCertificates;
  api->get_rule_params = &GetRuleParams;
  api->get_inspections = &GetInspections;
}

}  // namespace qtrace::host::plugin_internal
