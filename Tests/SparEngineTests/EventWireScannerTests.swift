import Foundation
import SparCore
import SparDemo
import SparTestSupport
import Testing

@testable import SparInterchange

/// The ingest fast path (`EventWireScanner`) against `JSONDecoder`: for every input, the same event or the same
/// rejection.
@Suite("Event decoding fast path")
struct EventWireScannerTests {
    static let model = DemoEnterprise.plantModel()

    static func both(_ text: String) -> (fast: Result<Event, EventRejection>, slow: Result<Event, EventRejection>) {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        return (
            EventCoding.decode(data: data, lineNumber: 3, using: decoder, strict: true, fast: true),
            EventCoding.decode(data: data, lineNumber: 3, using: decoder, strict: true, fast: false)
        )
    }

    @Test("every demo event decodes to the same event both ways, and each one's scan takes the fast path")
    func demoEvents() {
        let events = DemoGenerator(model: Self.model, seed: 11, days: 3).events()
        #expect(events.count > 10_000)
        var types = Set<String>()
        for e in events {
            let text = EventCoding.canonical(e)
            #expect(EventWireScanner.scan(Data(text.utf8)) != nil, "\(text)")
            let (fast, slow) = Self.both(text)
            #expect(fast == slow, "\(text)")
            #expect(fast == .success(e))
            types.insert(e.type)
        }
        #expect(types.isSuperset(of: ["state", "order", "count", "labor", "measurement", "material", "inspection"]))
    }

    /// Text with escapes, nulls, unknown members of every kind, a correction with a replacement, numbers in
    /// exponent form, white space; and inputs the scanner must hand to `JSONDecoder`.
    static let cases: [String] = [
        #"{"id":"a\"b\\c\/d\u00e9\ud83d\ude00","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"state","state":"production"}"#,
        #" { "id" : "x1" , "ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"count","good":1.5e1,"scrap":0,"rework":-0.0,"extra":[1,{"a":[]}],"more":{"deep":{"x":1}} } "#,
        #"{"id":"x2","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"count","good":"7","scrap":0,"rework":0}"#,
        #"{"id":"x3","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"count","good":null,"scrap":0,"rework":0}"#,
        #"{"id":"x4","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"correction","corrects":"x1","replacement":{"ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"count","good":2,"scrap":0,"rework":0}}"#,
        #"{"id":"x5","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"correction","corrects":"x1","void":true,"replacement":null}"#,
        #"{"id":"x6","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"correction","corrects":"x1","void":"yes"}"#,
        #"{"id":7,"ts":"2026-03-02T06:00:00Z","type":"state"}"#,
        #"{"id":"x8","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"order","action":"start","order":"o","material":"m","plannedRunTimePerUnit":0.1,"plannedQuantity":12345678901234,"operation":2.5}"#,
        #"{"id":"x9","ts":"2026-03-02T06:00:00Z","source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01","type":"correction","corrects":"x1","replacement":{"ts":"2026-03-02T06:00:00Z","replacement":{"type":"state"}}}"#,
        #"{}"#, #"{"id":""}"#, #"{"id":"a","type":true}"#, #"{"id":"a","ts":"2026-03-02T06:00:00Z","type":"energy","kwh":1E-3,"source":"mes-opcenter","unit":"aerostar/wichita/machining/5axis-line/cnc-01"}"#,
        #"{"id":"\u0041\n\t","ts":null}"#, #"[1]"#, #""s""#, #"{"id":"a","replacement":[]}"#,
    ]

    @Test("hand-made inputs give the same outcome both ways", arguments: cases)
    func handMade(text: String) {
        let (fast, slow) = Self.both(text)
        #expect(fast == slow, "\(text)")
    }

    @Test("20,000 random byte mutations of demo events give the same outcome both ways")
    func mutations() {
        let events = DemoGenerator(model: Self.model, seed: 3, days: 1).events()
        var rng = SeededRandom(seed: 2026)
        let alphabet = Array(#"{}[]",:0123456789.eE-+\"tfnul abc"#.utf8)
        for n in 0..<20_000 {
            var bytes = Array(EventCoding.canonical(events[n % events.count]).utf8)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: at)
                default: if bytes.count > 2 { bytes.remove(at: at) }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let (fast, slow) = Self.both(text)
            #expect(fast == slow, "\(text)")
        }
    }
}
