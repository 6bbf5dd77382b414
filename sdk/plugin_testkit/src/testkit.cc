#include "qtrace/plugin/testkit.h"

#include <dlfcn.h>

#include <boost/json.hpp>
#include <algorithm>
#include <cstring>

#include "flatbuffers/flatbuffers.h"
#include "qtrace/quantity.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"

namespace qtrace::plugin_testkit {

namespace fbp = ::qtrace::fb::plugin;
namespace json = boost::json;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

namespace {

std::string_view Sv(const flatbuffers::String* s) { return s ? s->string_view() : std::string_view(); }
std::string_view View(qt_str s) { return s.data ? std::string_view(s.data, s.size) : std::string_view(); }

std::string LotKey(fb::IdScheme scheme, std::string_view product, std::string_view lot) {
  return std::to_string(static_cast<int>(scheme)) + ":" + std::string(product) + "/" +
         std::string(lot);
}
std::string LotKey(const fb::LotRef* r) {
  return r ? LotKey(r->scheme(), Sv(r->product()), Sv(r->lot())) : std::string();
}
std::string ProductKey(fb::IdScheme scheme, std::string_view product) {
  return std::to_string(static_cast<int>(scheme)) + ":" + std::string(product);
}

std::string BaseUnit(const DimensionKey& d) {
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

// Micro-base amount of a stated quantity (0 when it does not convert).
int64_t Micro(const fb::Quantity* q, std::string* base_unit = nullptr) {
  if (q == nullptr || q->unit() == nullptr) return 0;
  auto a = ToAmount(q->value(), q->scale(), q->unit()->string_view());
  if (!a.ok()) return 0;
  if (base_unit) *base_unit = BaseUnit(a->dim);
  return a->micro_base;
}

template <typename T>
const T* VerifiedRoot(const std::string& bytes) {
  if (bytes.empty() || reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) return nullptr;
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!v.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(bytes.data());
}

// A heap copy of payload bytes (aligned for flatbuffers).
std::string Own(std::string_view bytes) {
  std::string s;
  s.reserve(std::max<size_t>(bytes.size(), 32));
  s.assign(bytes.data(), bytes.size());
  return s;
}

struct Sink : qt_sink {
  explicit Sink(size_t max) : limit(max) {
    write = &Write;
    host_data = nullptr;
    bytes.reserve(256);
  }
  static qt_status Write(qt_sink* self, const void* data, size_t size) {
    auto* s = static_cast<Sink*>(self);
    if (size > s->limit - std::min(s->limit, s->bytes.size())) {
      s->refused = true;
      return QT_ERR_TOO_LARGE;
    }
    if (size > 0) s->bytes.append(static_cast<const char*>(data), size);
    return QT_OK;
  }
  std::string bytes;
  size_t limit;
  bool refused = false;
};

}  // namespace

// ---- the fake state ---------------------------------------------------------------

struct HoldingRow {
  std::string party;
  int64_t held = 0, produced = 0, received = 0, in_transit = 0, shipped = 0, used = 0,
          consumed = 0, destroyed = 0, recovered = 0, adjusted = 0;
};

struct FakeState::Rep {
  struct Party {
    std::string payload;  // its PartyRegistration record
    uint64_t index = 0;
  };
  struct Product {
    fb::IdScheme scheme = fb::IdScheme::GTIN;
    std::string id, sector, name, owner;
    uint64_t index = 0;
  };
  struct Lot {
    std::string payload;  // its LotRegistration record
    std::string producer, base_unit;
    int64_t quantity = 0;
    fb::LotStatus status = fb::LotStatus::RELEASED;
    uint64_t index = 0;
    std::vector<HoldingRow> holdings;
    HoldingRow& Of(const std::string& party) {
      for (auto& h : holdings) {
        if (h.party == party) return h;
      }
      holdings.push_back(HoldingRow{party});
      return holdings.back();
    }
  };
  struct UnitEvent {
    fb::UnitEventKind kind = fb::UnitEventKind::INPUT_APPLIED;
    int64_t start = 0, end = 0;
    std::string input;  // lot key
    int64_t quantity = 0;
    uint64_t index = 0;
  };
  struct Unit {
    std::string owner, id, site, sector;
    fb::UnitKind kind = fb::UnitKind::OTHER;
    uint64_t index = 0;
    std::vector<UnitEvent> events;
  };
  struct CertStatus {
    fb::CertStatus status;
    int64_t effective;
    uint64_t index;
  };
  struct Cert {
    std::string payload, issuer;
    uint64_t index = 0;
    std::vector<CertStatus> history;
  };
  struct Inspection {
    std::string payload, issuer;
    int64_t time = 0;
    uint64_t index = 0;
  };
  struct Params {
    std::string payload;
    uint64_t index = 0;
  };
  struct Shipment {
    std::string to;
    std::vector<std::pair<std::string, int64_t>> items;  // lot key, micro
  };

  uint64_t next_index = 1;
  std::map<std::string, Party> parties;
  std::map<std::string, Product> products;  // ProductKey
  std::map<std::string, Lot> lots;          // LotKey
  std::map<std::string, Unit> units;        // owner + "/" + id
  std::map<std::string, Cert> certs;
  std::vector<Inspection> inspections;
  std::map<std::string, Params> params;        // sector -> newest
  std::map<std::string, Shipment> shipments;   // from + "/" + id

  const Product* ProductOf(const Lot& l) const {
    const auto* reg = flatbuffers::GetRoot<fb::Record>(l.payload.data())->body_as_LotRegistration();
    auto it = products.find(ProductKey(reg->lot()->scheme(), Sv(reg->lot()->product())));
    return it == products.end() ? nullptr : &it->second;
  }
  std::string SectorOfLot(const fb::LotRef* r) const {
    if (r == nullptr) return {};
    auto it = products.find(ProductKey(r->scheme(), Sv(r->product())));
    return it == products.end() ? std::string() : it->second.sector;
  }
};

FakeState::FakeState() : rep_(std::make_unique<Rep>()) {}
FakeState::~FakeState() = default;

namespace {

StatusOr<std::string> BuildRecord(const std::string& party, std::string_view record_json,
                                  const std::string& default_time) {
  boost::system::error_code ec;
  json::value v = json::parse(record_json, ec);
  if (ec || !v.is_object()) return InvalidArgument("record JSON is not an object", "bad_record");
  auto& o = v.as_object();
  if (!o.contains("party")) o["party"] = party;
  if (!o.contains("event_time")) o["event_time"] = default_time;
  QT_ASSIGN_OR_RETURN(std::string payload, RecordFromJson(o));
  payload = Own(payload);
  QT_RETURN_IF_ERROR(VerifyRecordPayload(payload).status());
  return payload;
}

}  // namespace

Status FakeState::Apply(const std::string& party, std::string_view record_json) {
  QT_ASSIGN_OR_RETURN(std::string payload, BuildRecord(party, record_json, default_time));
  const fb::Record* r = flatbuffers::GetRoot<fb::Record>(payload.data());
  Rep& s = *rep_;
  const uint64_t index = s.next_index++;
  const std::string signer(Sv(r->header()->party()));
  const int64_t when = r->header()->event_time() ? r->header()->event_time()->micros() : 0;
  auto lot_of = [&](const fb::LotRef* ref) -> Rep::Lot* {
    auto it = s.lots.find(LotKey(ref));
    return it == s.lots.end() ? nullptr : &it->second;
  };
  switch (r->body_type()) {
    case fb::Body::PartyRegistration: {
      std::string id(Sv(r->body_as_PartyRegistration()->party_id()));
      s.parties[id] = Rep::Party{payload, index};
      break;
    }
    case fb::Body::ProductRegistration: {
      const auto* p = r->body_as_ProductRegistration();
      Rep::Product prod{p->scheme(), std::string(Sv(p->product_id())), std::string(Sv(p->sector())),
                        std::string(Sv(p->name())), signer, index};
      s.products[ProductKey(p->scheme(), Sv(p->product_id()))] = std::move(prod);
      break;
    }
    case fb::Body::UnitRegistration: {
      const auto* u = r->body_as_UnitRegistration();
      Rep::Unit unit{signer, std::string(Sv(u->unit_id())), std::string(Sv(u->site())),
                     std::string(Sv(u->sector())), u->kind(), index, {}};
      s.units[signer + "/" + unit.id] = std::move(unit);
      break;
    }
    case fb::Body::UnitEvent: {
      const auto* e = r->body_as_UnitEvent();
      auto it = s.units.find(signer + "/" + std::string(Sv(e->unit())));
      if (it == s.units.end()) return NotFound("no unit " + std::string(Sv(e->unit())) + " of " + signer);
      Rep::UnitEvent ev;
      ev.kind = e->kind();
      ev.start = e->start() ? e->start()->micros() : 0;
      ev.end = e->end() ? e->end()->micros() : 0;
      ev.index = index;
      if (e->input() != nullptr) {
        ev.input = LotKey(e->input());
        ev.quantity = Micro(e->quantity());
        if (Rep::Lot* l = lot_of(e->input())) {
          auto& h = l->Of(signer);
          h.held -= ev.quantity;
          h.used += ev.quantity;
        }
      }
      it->second.events.push_back(std::move(ev));
      break;
    }
    case fb::Body::LotRegistration: {
      const auto* l = r->body_as_LotRegistration();
      if (l->lot() == nullptr) return InvalidArgument("lot is required");
      Rep::Lot lot;
      lot.payload = payload;
      lot.producer = signer;
      lot.quantity = Micro(l->quantity(), &lot.base_unit);
      lot.index = index;
      auto& h = lot.Of(signer);
      h.held = h.produced = lot.quantity;
      if (l->inputs() != nullptr) {
        for (const fb::Input* in : *l->inputs()) {
          if (Rep::Lot* src = lot_of(in->lot())) {
            auto& sh = src->Of(signer);
            int64_t q = Micro(in->quantity());
            sh.held -= q;
            sh.used += q;
          }
        }
      }
      s.lots[LotKey(l->lot())] = std::move(lot);
      break;
    }
    case fb::Body::Shipment: {
      const auto* sh = r->body_as_Shipment();
      Rep::Shipment rec{std::string(Sv(sh->to())), {}};
      if (sh->items() != nullptr) {
        for (const fb::LotQuantity* it : *sh->items()) {
          Rep::Lot* l = lot_of(it->lot());
          if (l == nullptr) return NotFound("no lot " + FormatLotRef(it->lot()));
          int64_t q = Micro(it->quantity());
          auto& from = l->Of(signer);
          from.held -= q;
          from.shipped += q;
          l->Of(rec.to).in_transit += q;
          rec.items.emplace_back(LotKey(it->lot()), q);
        }
      }
      s.shipments[signer + "/" + std::string(Sv(sh->shipment_id()))] = std::move(rec);
      break;
    }
    case fb::Body::Receipt: {
      const auto* rc = r->body_as_Receipt();
      auto it = s.shipments.find(std::string(Sv(rc->from())) + "/" + std::string(Sv(rc->shipment_id())));
      if (it == s.shipments.end()) return NotFound("no shipment " + std::string(Sv(rc->shipment_id())));
      for (const auto& [key, q] : it->second.items) {
        auto& h = s.lots[key].Of(signer);
        h.in_transit -= q;
        h.held += q;
        h.received += q;
      }
      break;
    }
    case fb::Body::Disposition: {
      const auto* d = r->body_as_Disposition();
      if (d->items() == nullptr) break;
      for (const fb::LotQuantity* it : *d->items()) {
        Rep::Lot* l = lot_of(it->lot());
        if (l == nullptr) return NotFound("no lot " + FormatLotRef(it->lot()));
        int64_t q = Micro(it->quantity());
        auto& h = l->Of(signer);
        if (d->kind() == fb::DispositionKind::RECOVERED) {
          h.held += q;
          h.recovered += q;
        } else {
          h.held -= q;
          (d->kind() == fb::DispositionKind::DESTROYED ? h.destroyed : h.consumed) += q;
        }
      }
      break;
    }
    case fb::Body::LotStatusChange: {
      const auto* c = r->body_as_LotStatusChange();
      Rep::Lot* l = lot_of(c->lot());
      if (l == nullptr) return NotFound("no lot " + FormatLotRef(c->lot()));
      l->status = c->status();
      break;
    }
    case fb::Body::Certificate: {
      std::string id(Sv(r->body_as_Certificate()->cert_id()));
      s.certs[id] = Rep::Cert{payload, signer, index, {}};
      break;
    }
    case fb::Body::CertificateStatusChange: {
      const auto* c = r->body_as_CertificateStatusChange();
      auto it = s.certs.find(std::string(Sv(c->cert_id())));
      if (it == s.certs.end()) return NotFound("no certificate " + std::string(Sv(c->cert_id())));
      int64_t eff = c->effective() && c->effective()->micros() != 0
                        ? std::min(c->effective()->micros(), when)
                        : when;
      it->second.history.push_back(Rep::CertStatus{c->status(), eff, index});
      break;
    }
    case fb::Body::Inspection:
      s.inspections.push_back(Rep::Inspection{payload, signer, when, index});
      break;
    case fb::Body::RuleParameters:
      s.params[std::string(Sv(r->body_as_RuleParameters()->sector()))] = Rep::Params{payload, index};
      break;
    default:
      break;
  }
  return Status::Ok();
}

// ---- host services over the fake state --------------------------------------------------

namespace {

struct Call {
  const FakeState::Rep* rep = nullptr;
  const fb::Record* record = nullptr;  // under check (null for plans)
  std::string signer;
  uint64_t index = 0;
  std::vector<flatbuffers::DetachedBuffer> answers;
};
Call* FromLookup(qt_lookup* l) { return reinterpret_cast<Call*>(l); }

template <typename F>
qt_status Guarded(qt_bytes* out, F&& f) noexcept {
  if (out == nullptr) return QT_ERR_INVALID_ARGUMENT;
  *out = qt_bytes{nullptr, 0};
  try {
    return f();
  } catch (...) {
    return QT_ERR_INTERNAL;
  }
}

qt_status Answer(Call* call, FlatBufferBuilder& b, qt_bytes* out) {
  call->answers.push_back(b.Release());
  *out = qt_bytes{call->answers.back().data(), call->answers.back().size()};
  return QT_OK;
}

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
Offset<flatbuffers::Vector<Offset<T>>> CopyVector(FlatBufferBuilder& b,
                                                  const flatbuffers::Vector<Offset<T>>* v,
                                                  F&& copy) {
  if (v == nullptr) return 0;
  std::vector<Offset<T>> out;
  for (const T* x : *v) {
    if (x != nullptr) out.push_back(copy(b, x));
  }
  return b.CreateVector(out);
}

// A LotInfo from a registration: `lot` is the fake's lot, or null for the
// record under check.
Offset<fbp::LotInfo> LotInfoOf(FlatBufferBuilder& b, const Call* call,
                               const fb::LotRegistration* reg, const FakeState::Rep::Lot* lot) {
  std::string base_unit;
  int64_t micro = Micro(reg->quantity(), &base_unit);
  std::string name, sector;
  auto pit = call->rep->products.find(ProductKey(reg->lot()->scheme(), Sv(reg->lot()->product())));
  if (pit != call->rep->products.end()) {
    name = pit->second.name;
    sector = pit->second.sector;
  }
  auto ref = CopyLotRef(b, reg->lot());
  auto n = b.CreateString(name);
  auto sec = b.CreateString(sector);
  auto producer = b.CreateString(lot ? lot->producer : call->signer);
  auto quantity = CopyQuantity(b, reg->quantity());
  auto base = b.CreateString(base_unit);
  auto site = b.CreateString(reg->site());
  auto attrs = CopyVector(b, reg->attributes(), CopyAttr);
  auto certs = CopyVector(b, reg->certificates(), [](FlatBufferBuilder& b, const fb::CertRef* c) {
    return fb::CreateCertRef(b, b.CreateString(c->cert_id()), b.CreateString(c->standard()));
  });
  auto inputs = CopyVector(b, reg->inputs(), [](FlatBufferBuilder& b, const fb::Input* in) {
    return fb::CreateInput(b, CopyLotRef(b, in->lot()), CopyQuantity(b, in->quantity()), in->kind());
  });
  auto units = CopyVector(b, reg->units(), [](FlatBufferBuilder& b, const fb::UnitUse* u) {
    return fb::CreateUnitUse(b, b.CreateString(u->unit()), u->start(), u->end());
  });
  fbp::LotInfoBuilder lb(b);
  lb.add_lot(ref);
  lb.add_product_name(n);
  lb.add_sector(sec);
  lb.add_producer(producer);
  lb.add_quantity(quantity);
  lb.add_base_unit(base);
  lb.add_quantity_micro(micro);
  if (reg->production_time()) lb.add_production_time(reg->production_time());
  lb.add_expiry_time(reg->expiry_time() ? reg->expiry_time()->micros() : 0);
  lb.add_site(site);
  lb.add_status(lot ? lot->status : fb::LotStatus::RELEASED);
  lb.add_log_index(lot ? lot->index : call->index);
  lb.add_pending(lot == nullptr);
  lb.add_record_available(true);
  lb.add_attributes(attrs);
  lb.add_certificates(certs);
  lb.add_inputs(inputs);
  lb.add_units(units);
  return lb.Finish();
}

const fb::LotRegistration* RegOf(const FakeState::Rep::Lot& l) {
  return flatbuffers::GetRoot<fb::Record>(l.payload.data())->body_as_LotRegistration();
}

// The registration `ref` names: the record under check when it registers
// it (lot = null), else the fake's.
const fb::LotRegistration* Resolve(const Call* call, uint8_t scheme, qt_str product, qt_str lot,
                                   const FakeState::Rep::Lot** stored) {
  *stored = nullptr;
  if (call->record != nullptr) {
    if (const auto* reg = call->record->body_as_LotRegistration()) {
      const fb::LotRef* r = reg->lot();
      if (r && static_cast<uint8_t>(r->scheme()) == scheme && Sv(r->product()) == View(product) &&
          Sv(r->lot()) == View(lot)) {
        return reg;
      }
    }
  }
  auto it = call->rep->lots.find(LotKey(static_cast<fb::IdScheme>(scheme), View(product), View(lot)));
  if (it == call->rep->lots.end()) return nullptr;
  *stored = &it->second;
  return RegOf(it->second);
}

qt_status GetLot(qt_lookup* l, uint8_t scheme, qt_str product, qt_str lot, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    const FakeState::Rep::Lot* stored;
    const auto* reg = Resolve(call, scheme, product, lot, &stored);
    if (reg == nullptr) return QT_ERR_NOT_FOUND;
    FlatBufferBuilder b(1024);
    b.Finish(LotInfoOf(b, call, reg, stored));
    return Answer(call, b, out);
  });
}

qt_status GetLotInputs(qt_lookup* l, uint8_t scheme, qt_str product, qt_str lot, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    const FakeState::Rep::Lot* stored;
    const auto* reg = Resolve(call, scheme, product, lot, &stored);
    if (reg == nullptr) return QT_ERR_NOT_FOUND;
    FlatBufferBuilder b(2048);
    std::vector<Offset<fbp::InputLot>> inputs;
    if (reg->inputs() != nullptr) {
      for (const fb::Input* in : *reg->inputs()) {
        auto it = call->rep->lots.find(LotKey(in->lot()));
        if (it == call->rep->lots.end()) continue;
        auto info = LotInfoOf(b, call, RegOf(it->second), &it->second);
        inputs.push_back(fbp::CreateInputLot(b, info, in->kind(), CopyQuantity(b, in->quantity())));
      }
    }
    b.Finish(fbp::CreateInputList(b, b.CreateVector(inputs)));
    return Answer(call, b, out);
  });
}

qt_status GetBalances(qt_lookup* l, uint8_t scheme, qt_str product, qt_str lot, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    auto it = call->rep->lots.find(LotKey(static_cast<fb::IdScheme>(scheme), View(product), View(lot)));
    if (it == call->rep->lots.end()) return QT_ERR_NOT_FOUND;
    const auto& lotv = it->second;
    FlatBufferBuilder b(1024);
    std::vector<Offset<fbp::Holding>> hs;
    for (const auto& h : lotv.holdings) {
      hs.push_back(fbp::CreateHolding(b, b.CreateString(h.party), h.held, h.produced, h.received,
                                      h.in_transit, h.shipped, h.used, h.consumed, h.destroyed,
                                      h.recovered, h.adjusted));
    }
    auto ref = CopyLotRef(b, RegOf(lotv)->lot());
    auto base = b.CreateString(lotv.base_unit);
    auto hv = b.CreateVector(hs);
    b.Finish(fbp::CreateBalances(b, ref, base, lotv.quantity, hv));
    return Answer(call, b, out);
  });
}

qt_status GetUnit(qt_lookup* l, qt_str owner, qt_str unit_id, int64_t from, int64_t to,
                  qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    auto it = call->rep->units.find(std::string(View(owner)) + "/" + std::string(View(unit_id)));
    if (it == call->rep->units.end()) return QT_ERR_NOT_FOUND;
    const auto& u = it->second;
    const bool all = from == 0 && to == 0;
    FlatBufferBuilder b(1024);
    std::vector<Offset<fbp::UnitEventInfo>> events;
    for (const auto& e : u.events) {
      int64_t end = e.end != 0 ? e.end : e.start;
      if (!all && (end < from || e.start > to)) continue;
      Offset<fb::LotRef> input = 0;
      if (auto lit = call->rep->lots.find(e.input); lit != call->rep->lots.end()) {
        input = CopyLotRef(b, RegOf(lit->second)->lot());
      }
      events.push_back(fbp::CreateUnitEventInfo(b, e.kind, e.start, e.end, input, e.quantity, e.index));
    }
    auto id = b.CreateString(u.id);
    auto own = b.CreateString(u.owner);
    auto site = b.CreateString(u.site);
    auto sector = b.CreateString(u.sector);
    auto ev = b.CreateVector(events);
    b.Finish(fbp::CreateUnitInfo(b, id, own, u.kind, site, sector, u.index, ev));
    return Answer(call, b, out);
  });
}

qt_status GetParty(qt_lookup* l, qt_str party_id, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    auto it = call->rep->parties.find(std::string(View(party_id)));
    if (it == call->rep->parties.end()) return QT_ERR_NOT_FOUND;
    const auto* p = flatbuffers::GetRoot<fb::Record>(it->second.payload.data())->body_as_PartyRegistration();
    FlatBufferBuilder b(1024);
    auto id = b.CreateString(p->party_id());
    auto name = b.CreateString(p->name());
    Offset<flatbuffers::Vector<fb::Role>> roles = 0;
    if (p->roles()) roles = b.CreateVector(p->roles()->data(), p->roles()->size());
    Offset<flatbuffers::Vector<Offset<flatbuffers::String>>> sectors = 0;
    if (p->sectors()) {
      std::vector<Offset<flatbuffers::String>> v;
      for (const auto* s : *p->sectors()) v.push_back(b.CreateString(s));
      sectors = b.CreateVector(v);
    }
    auto licences = CopyVector(b, p->licences(), [](FlatBufferBuilder& b, const fb::Licence* x) {
      return fb::CreateLicence(b, b.CreateString(x->kind()), b.CreateString(x->number()),
                               b.CreateString(x->scope()), x->valid_from(), x->valid_to());
    });
    auto gln = b.CreateString(p->gln());
    auto area = b.CreateString(p->admin_area());
    b.Finish(fbp::CreatePartyInfo(b, id, name, roles, sectors, licences, gln, area, it->second.index));
    return Answer(call, b, out);
  });
}

Offset<fbp::CertificateInfo> CertInfoOf(FlatBufferBuilder& b, const FakeState::Rep::Cert& c) {
  const auto* x = flatbuffers::GetRoot<fb::Record>(c.payload.data())->body_as_Certificate();
  std::vector<Offset<fbp::CertStatusInfo>> history;
  for (const auto& h : c.history) {
    history.push_back(fbp::CreateCertStatusInfo(b, h.status, h.effective, h.index));
  }
  auto id = b.CreateString(x->cert_id());
  auto kind = b.CreateString(x->kind());
  auto standard = b.CreateString(x->standard());
  auto issuer = b.CreateString(c.issuer);
  auto sp = b.CreateString(x->subject_party());
  auto sprod = b.CreateString(x->subject_product());
  auto slot = x->subject_lot() && x->subject_lot()->product() ? CopyLotRef(b, x->subject_lot())
                                                              : Offset<fb::LotRef>(0);
  auto sunit = b.CreateString(x->subject_unit());
  auto scope = b.CreateString(x->scope());
  auto attrs = CopyVector(b, x->attributes(), CopyAttr);
  auto hv = b.CreateVector(history);
  return fbp::CreateCertificateInfo(b, id, kind, standard, issuer, sp, x->subject_product_scheme(),
                                    sprod, slot, sunit, scope,
                                    x->valid_from() ? x->valid_from()->micros() : 0,
                                    x->valid_to() ? x->valid_to()->micros() : 0, attrs, hv, c.index);
}

qt_status GetCertificate(qt_lookup* l, qt_str cert_id, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    auto it = call->rep->certs.find(std::string(View(cert_id)));
    if (it == call->rep->certs.end()) return QT_ERR_NOT_FOUND;
    FlatBufferBuilder b(1024);
    b.Finish(CertInfoOf(b, it->second));
    return Answer(call, b, out);
  });
}

qt_status ListCertificates(qt_lookup* l, int32_t kind, uint8_t scheme, qt_str product, qt_str lot,
                           qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    std::vector<const FakeState::Rep::Cert*> match;
    for (const auto& [id, c] : call->rep->certs) {
      const auto* x = flatbuffers::GetRoot<fb::Record>(c.payload.data())->body_as_Certificate();
      bool hit = false;
      if (kind == QT_SUBJECT_LOT) {
        hit = x->subject_lot() && static_cast<uint8_t>(x->subject_lot()->scheme()) == scheme &&
              Sv(x->subject_lot()->product()) == View(product) &&
              Sv(x->subject_lot()->lot()) == View(lot);
      } else if (kind == QT_SUBJECT_PRODUCT) {
        hit = static_cast<uint8_t>(x->subject_product_scheme()) == scheme &&
              Sv(x->subject_product()) == View(product) && !View(product).empty();
      } else if (kind == QT_SUBJECT_PARTY) {
        hit = Sv(x->subject_party()) == View(product) && !View(product).empty();
      } else {
        return QT_ERR_INVALID_ARGUMENT;
      }
      if (hit) match.push_back(&c);
    }
    std::sort(match.begin(), match.end(), [](auto* a, auto* b) { return a->index < b->index; });
    FlatBufferBuilder b(2048);
    std::vector<Offset<fbp::CertificateInfo>> certs;
    for (const auto* c : match) certs.push_back(CertInfoOf(b, *c));
    b.Finish(fbp::CreateCertificateList(b, b.CreateVector(certs)));
    return Answer(call, b, out);
  });
}

qt_status GetRuleParams(qt_lookup* l, qt_str sector, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    auto it = call->rep->params.find(std::string(View(sector)));
    if (it == call->rep->params.end()) return QT_ERR_NOT_FOUND;
    const auto* p = flatbuffers::GetRoot<fb::Record>(it->second.payload.data())->body_as_RuleParameters();
    FlatBufferBuilder b(1024);
    auto sec = b.CreateString(p->sector());
    auto id = b.CreateString(p->set_id());
    auto params = CopyVector(b, p->params(), CopyAttr);
    b.Finish(fbp::CreateParamSet(b, sec, id, it->second.index, params));
    return Answer(call, b, out);
  });
}

qt_status GetInspections(qt_lookup* l, uint8_t scheme, qt_str product, qt_str lot, qt_bytes* out) {
  return Guarded(out, [&]() -> qt_status {
    Call* call = FromLookup(l);
    FlatBufferBuilder b(1024);
    std::vector<Offset<fbp::InspectionInfo>> list;
    for (const auto& in : call->rep->inspections) {
      const auto* x = flatbuffers::GetRoot<fb::Record>(in.payload.data())->body_as_Inspection();
      const fb::LotRef* r = x->lot();
      if (r == nullptr || static_cast<uint8_t>(r->scheme()) != scheme ||
          Sv(r->product()) != View(product) || Sv(r->lot()) != View(lot)) {
        continue;
      }
      std::vector<Offset<flatbuffers::String>> failed;
      if (x->items()) {
        for (const auto* item : *x->items()) {
          if (!item->pass()) failed.push_back(b.CreateString(item->name()));
        }
      }
      auto iid = b.CreateString(x->inspection_id());
      auto kind = b.CreateString(x->kind());
      auto report = b.CreateString(x->report_no());
      auto issuer = b.CreateString(in.issuer);
      auto ref = CopyLotRef(b, r);
      auto fv = b.CreateVector(failed);
      list.push_back(fbp::CreateInspectionInfo(b, iid, kind, report, issuer, ref,
                                               x->result() == fb::InspectionResult::PASS, in.time,
                                               fv, in.index));
    }
    b.Finish(fbp::CreateInspectionList(b, b.CreateVector(list)));
    return Answer(call, b, out);
  });
}

}  // namespace

// ---- the plugin under test ------------------------------------------------------------------

struct PluginUnderTest::Host {
  qt_host_api api{};
  std::vector<std::string> log;
};

namespace {
void HostLog(const qt_host_api* self, int32_t level, qt_str message) {
  auto* lines = static_cast<std::vector<std::string>*>(self->host_data);
  const char* names[] = {"debug", "info", "warn", "error"};
  lines->push_back(std::string(names[std::clamp(level, 0, 3)]) + ": " + std::string(View(message)));
}
}  // namespace

bool CheckOutcome::RejectedFor(std::string_view code) const {
  if (!ok() || accepted) return false;
  for (const auto& r : reasons) {
    if (r.code == code) return true;
  }
  return false;
}

std::string CheckOutcome::ToString() const {
  if (status != QT_OK) return "failed (status " + std::to_string(status) + "): " + error;
  if (!verified) return "malformed result: " + error;
  std::string s = accepted ? "accepted" : "rejected";
  for (const auto& r : reasons) s += "\n  " + r.rule + " [" + r.code + "] " + r.field + ": " + r.message;
  for (const auto& n : notes) s += "\n  note: " + n;
  return s;
}

PluginUnderTest::PluginUnderTest() : host_(std::make_unique<Host>()) {}

PluginUnderTest::~PluginUnderTest() {
  if (instance_ != nullptr && descriptor_ != nullptr) descriptor_->destroy(instance_);
  if (dl_ != nullptr) dlclose(dl_);
}

StatusOr<std::unique_ptr<PluginUnderTest>> PluginUnderTest::Load(const std::string& path,
                                                                 std::string config) {
  std::unique_ptr<PluginUnderTest> p(new PluginUnderTest());
  dlerror();
  p->dl_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (p->dl_ == nullptr) {
    const char* e = dlerror();
    return FailedPrecondition("plugin " + path + ": cannot be loaded: " + (e ? e : "?"));
  }
  void* sym = dlsym(p->dl_, QT_PLUGIN_ENTRY_SYMBOL);
  if (sym == nullptr) {
    return FailedPrecondition("plugin " + path + ": " + QT_PLUGIN_ENTRY_SYMBOL + " is not exported");
  }
  auto entry = reinterpret_cast<qt_plugin_entry_fn>(sym);
  Status s = p->Init(entry(), std::move(config));
  if (!s.ok()) return s.WithPrefix("plugin " + path);
  return p;
}

StatusOr<std::unique_ptr<PluginUnderTest>> PluginUnderTest::FromEntry(qt_plugin_entry_fn entry,
                                                                      std::string config) {
  std::unique_ptr<PluginUnderTest> p(new PluginUnderTest());
  QT_RETURN_IF_ERROR(p->Init(entry ? entry() : nullptr, std::move(config)));
  return p;
}

Status PluginUnderTest::Init(const qt_plugin_descriptor* d, std::string config) {
  if (d == nullptr) return FailedPrecondition("descriptor: the entry returned NULL");
  if (d->struct_size < QT_PLUGIN_DESCRIPTOR_MIN_SIZE) {
    return FailedPrecondition("struct_size: " + std::to_string(d->struct_size) + " is too small");
  }
  if (d->abi_major != QT_PLUGIN_ABI_MAJOR) return FailedPrecondition("abi_major: not this SDK's");
  if (d->abi_minor > QT_PLUGIN_ABI_MINOR) return FailedPrecondition("abi_minor: newer than this SDK");
  if (d->name == nullptr || d->version == nullptr || d->rule_set == nullptr ||
      d->sectors == nullptr || d->sectors[0] == nullptr) {
    return FailedPrecondition("name, version, rule_set and sectors are required");
  }
  if (!d->create || !d->destroy || !d->describe || !d->check_record) {
    return FailedPrecondition("create, destroy, describe and check_record are required");
  }
  descriptor_ = d;
  Host& h = *host_;
  h.api.struct_size = sizeof(qt_host_api);
  h.api.abi_major = QT_PLUGIN_ABI_MAJOR;
  h.api.abi_minor = QT_PLUGIN_ABI_MINOR;
  h.api.host_version = "0.1.0";
  h.api.host_data = &h.log;
  h.api.log = &HostLog;
  h.api.get_lot = &GetLot;
  h.api.get_lot_inputs = &GetLotInputs;
  h.api.get_balances = &GetBalances;
  h.api.get_unit = &GetUnit;
  h.api.get_party = &GetParty;
  h.api.get_certificate = &GetCertificate;
  h.api.list_certificates = &ListCertificates;
  h.api.get_rule_params = &GetRuleParams;
  h.api.get_inspections = &GetInspections;
  Sink err(64 * 1024);
  qt_bytes cfg{reinterpret_cast<const uint8_t*>(config.data()), config.size()};
  qt_status rc = d->create(&h.api, cfg, &instance_, &err);
  if (rc != QT_OK) {
    instance_ = nullptr;
    return FailedPrecondition("create: failed (status " + std::to_string(rc) + "): " + err.bytes);
  }
  Sink desc(1u << 20);
  rc = d->describe(instance_, &desc);
  if (rc != QT_OK) return FailedPrecondition("describe: failed: " + desc.bytes);
  if (VerifiedRoot<fbp::Description>(desc.bytes) == nullptr) {
    return FailedPrecondition("describe: returned a malformed Description");
  }
  description_ = std::move(desc.bytes);
  return Status::Ok();
}

const fbp::Description& PluginUnderTest::Description() const {
  return *flatbuffers::GetRoot<fbp::Description>(description_.data());
}

const std::vector<std::string>& PluginUnderTest::log() const { return host_->log; }

StatusOr<std::string> PluginUnderTest::Build(const std::string& party,
                                             std::string_view record_json) const {
  return BuildRecord(party, record_json, state_.default_time);
}

CheckOutcome PluginUnderTest::Check(const std::string& party, std::string_view record_json,
                                    const CheckOptions& options) {
  auto payload = Build(party, record_json);
  if (!payload.ok()) {
    CheckOutcome o;
    o.status = QT_ERR_INVALID_ARGUMENT;
    o.error = "test record: " + payload.status().ToString();
    return o;
  }
  return Run(false, std::move(*payload), options);
}

CheckOutcome PluginUnderTest::CheckCertification(const std::string& party,
                                                 std::string_view record_json,
                                                 const CheckOptions& options) {
  auto payload = Build(party, record_json);
  if (!payload.ok()) {
    CheckOutcome o;
    o.status = QT_ERR_INVALID_ARGUMENT;
    o.error = "test record: " + payload.status().ToString();
    return o;
  }
  return Run(true, std::move(*payload), options);
}

CheckOutcome PluginUnderTest::CheckPayload(std::string payload, const CheckOptions& options) {
  return Run(false, Own(payload), options);
}

CheckOutcome PluginUnderTest::CheckAndApply(const std::string& party, std::string_view record_json,
                                            const CheckOptions& options) {
  CheckOutcome o = Check(party, record_json, options);
  if (o.ok() && o.accepted) {
    Status s = state_.Apply(party, record_json);
    if (!s.ok()) {
      o.status = QT_ERR_INVALID_ARGUMENT;
      o.error = "applying the accepted record to the fake state: " + s.ToString();
    }
  }
  return o;
}

CheckOutcome PluginUnderTest::Run(bool certification, std::string payload,
                                  const CheckOptions& options) {
  CheckOutcome o;
  auto fn = certification
                ? (descriptor_->capabilities & QT_CAP_CHECK_CERTIFICATION ? descriptor_->check_certification
                                                                          : nullptr)
                : descriptor_->check_record;
  if (fn == nullptr) {
    o.status = QT_ERR_UNSUPPORTED;
    o.error = "the plugin has no check_certification";
    return o;
  }
  auto verified = VerifyRecordPayload(payload);
  if (!verified.ok()) {
    o.status = QT_ERR_INVALID_ARGUMENT;
    o.error = "test record: " + verified.status().ToString();
    return o;
  }
  const fb::Record* record = *verified;
  const FakeState::Rep& rep = state_.rep();

  Call call;
  call.rep = &rep;
  call.record = record;
  call.signer = options.signer.empty() ? std::string(Sv(record->header()->party())) : options.signer;
  call.index = options.log_index.value_or(rep.next_index);

  std::string sector = options.sector;
  if (sector.empty()) {
    switch (record->body_type()) {
      case fb::Body::ProductRegistration:
        sector = std::string(Sv(record->body_as_ProductRegistration()->sector()));
        break;
      case fb::Body::LotRegistration:
        sector = rep.SectorOfLot(record->body_as_LotRegistration()->lot());
        break;
      case fb::Body::UnitRegistration:
        sector = std::string(Sv(record->body_as_UnitRegistration()->sector()));
        break;
      case fb::Body::RuleParameters:
        sector = std::string(Sv(record->body_as_RuleParameters()->sector()));
        break;
      case fb::Body::Shipment:
        if (const auto* items = record->body_as_Shipment()->items(); items && items->size() > 0) {
          sector = rep.SectorOfLot(items->Get(0)->lot());
        }
        break;
      case fb::Body::Inspection:
        sector = rep.SectorOfLot(record->body_as_Inspection()->lot());
        break;
      default:
        break;
    }
    if (sector.empty()) sector = descriptor_->sectors[0];
  }
  std::string param_set;
  if (auto it = rep.params.find(sector); it != rep.params.end()) {
    param_set = std::string(Sv(flatbuffers::GetRoot<fb::Record>(it->second.payload.data())
                                   ->body_as_RuleParameters()
                                   ->set_id()));
  }
  Hash256 id = RecordIdOf(kRecordPayloadType, payload);

  qt_check_input in{};
  in.struct_size = sizeof(in);
  in.payload_type = qt_str{kRecordPayloadType.data(), kRecordPayloadType.size()};
  in.record = qt_bytes{reinterpret_cast<const uint8_t*>(payload.data()), payload.size()};
  in.log_index = call.index;
  in.record_time = options.record_time != 0
                       ? options.record_time
                       : (record->header()->event_time() ? record->header()->event_time()->micros() : 0);
  in.record_id = id.data();
  in.signer = qt_str{call.signer.data(), call.signer.size()};
  in.sector = qt_str{sector.data(), sector.size()};
  in.param_set = qt_str{param_set.data(), param_set.size()};
  in.lookup = reinterpret_cast<qt_lookup*>(&call);
  Sink sink(1u << 20);
  o.status = fn(instance_, &in, &sink);
  if (o.status != QT_OK) {
    o.error = sink.refused ? "result too large" : sink.bytes;
    return o;
  }
  const fbp::CheckResult* r = VerifiedRoot<fbp::CheckResult>(sink.bytes);
  if (r == nullptr || (r->verdict() != fbp::Verdict::ACCEPT && r->verdict() != fbp::Verdict::REJECT)) {
    o.error = std::to_string(sink.bytes.size()) + " bytes that do not verify as a CheckResult";
    return o;
  }
  o.verified = true;
  o.accepted = r->verdict() == fbp::Verdict::ACCEPT;
  if (r->reasons()) {
    for (const auto* x : *r->reasons()) {
      o.reasons.push_back(Reason{std::string(Sv(x->rule())), std::string(Sv(x->code())),
                                 std::string(Sv(x->field())), std::string(Sv(x->message()))});
    }
  }
  if (r->notes()) {
    for (const auto* n : *r->notes()) o.notes.emplace_back(Sv(n));
  }
  return o;
}

StatusOr<std::string> PluginUnderTest::PlanRecall(const RecallRequestData& q) {
  auto fn = descriptor_->capabilities & QT_CAP_PLAN_RECALL ? descriptor_->plan_recall : nullptr;
  if (fn == nullptr) return NotFound("the plugin does not plan recalls");
  std::string sector = q.sector.empty() ? std::string(descriptor_->sectors[0]) : q.sector;
  FlatBufferBuilder b(512);
  auto id = b.CreateString(q.recall_id);
  auto sec = b.CreateString(sector);
  auto level = b.CreateString(q.level);
  auto hazard = b.CreateString(q.hazard);
  auto reason = b.CreateString(q.reason);
  b.Finish(fbp::CreateRecallRequest(b, id, sec, level, hazard, reason, q.depth, q.public_notice,
                                    q.risk_known_at, q.ordered_at, q.regulator_ordered, q.seed_lots,
                                    q.seed_serials, q.seed_input_lots, q.seed_product_windows,
                                    q.seed_unit_windows));
  std::string request = Own(std::string_view(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()));
  std::string param_set;
  Call call;
  call.rep = &state_.rep();
  qt_recall_input in{};
  in.struct_size = sizeof(in);
  in.request = qt_bytes{reinterpret_cast<const uint8_t*>(request.data()), request.size()};
  in.sector = qt_str{sector.data(), sector.size()};
  in.param_set = qt_str{param_set.data(), param_set.size()};
  in.lookup = reinterpret_cast<qt_lookup*>(&call);
  Sink sink(1u << 20);
  qt_status rc = fn(instance_, &in, &sink);
  if (rc != QT_OK) return Internal("plan_recall failed (status " + std::to_string(rc) + "): " + sink.bytes);
  if (VerifiedRoot<fbp::RecallPlan>(sink.bytes) == nullptr) {
    return Internal("plan_recall returned a malformed RecallPlan");
  }
  return std::move(sink.bytes);
}

}  // namespace qtrace::plugin_testkit
