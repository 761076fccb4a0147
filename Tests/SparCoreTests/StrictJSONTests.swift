import Foundation
import SparInterchange
import Testing

@Suite("Strict JSON (I-JSON, RFC 7493)")
struct StrictJSONTests {
    static func problem(_ text: String) -> String? { StrictJSON.problem(Array(text.utf8)).map(\.description) }

    @Test("well-formed I-JSON passes", arguments: [
        #"{}"#, #"[]"#, #" {"a":[1,2.5,-0.0,1e3,true,false,null,"x\u00e9\n\"\\"]} "#, #""\ud83d\ude00""#,
        #"9007199254740992"#, #"-9007199254740992"#, #"{"a":{"a":1}}"#, "\"caf\u{E9} \u{1F600}\"",
    ])
    func accepts(text: String) {
        #expect(Self.problem(text) == nil)
    }

    @Test("what a decoder would silently change is refused, with the path and offset")
    func refuses() {
        #expect(Self.problem(#"{"a":1,"b":{"c":2,"c":3}}"#) == "field 'b.c': the member name 'c' appears twice in one object (byte 18)")
        // "\u0061" is "a": the same member name once unescaped.
        #expect(Self.problem(#"{"a":1,"\u0061":2}"#) == "field 'a': the member name 'a' appears twice in one object (byte 7)")
        #expect(Self.problem(#"{"n":9007199254740993}"#)
            == "field 'n': the integer 9007199254740993 is beyond ±2^53 and cannot be kept exactly; send it as a string (byte 5)")
        #expect(Self.problem(#"[1,-1e309]"#) == "field '[1]': the number -1e309 is out of range (not a finite binary64) (byte 3)")
        #expect(Self.problem(#"{"s":"\udc00"}"#) == "field 's': lone surrogate \\uDC00 (not a Unicode character) (byte 6)")
        #expect(Self.problem(#"{"s":"\ud800x"}"#) == "field 's': lone surrogate \\uD800 (not a Unicode character) (byte 6)")
        #expect(Self.problem("{\"s\":\"a\u{1}\"}") == "field 's': control character 0x01 inside a string (escape it) (byte 7)")
        #expect(Self.problem(#"{"a":01}"#) == "field 'a': a number cannot have a leading zero (byte 5)")
        #expect(Self.problem(#"{"a":1} x"#) == "unexpected text after the JSON value (byte 8)")
        #expect(Self.problem(#"{"a":tru}"#) == "field 'a': not a JSON value (byte 5)")
        #expect(Self.problem(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
            == "field '" + String(repeating: "[0]", count: 64) + "': nested deeper than 64 levels (byte 64)")
    }

    @Test("ill-formed UTF-8 is refused wherever it is (Unicode table 3-7)", arguments: [
        [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3], [0x80],
    ] as [[UInt8]])
    func illFormedUTF8(bytes: [UInt8]) {
        let text = Array(#"{"k":""#.utf8) + bytes + Array(#""}"#.utf8)
        let p = StrictJSON.problem(text)
        #expect(p?.path == "k")
        #expect(p?.offset == 6)
        #expect(p?.reason.hasPrefix("invalid UTF-8") == true)
    }

    @Test("an array splits into its elements by structure, so one bad element does not hide the others")
    func arrayElements() throws {
        let text = Array(#" [ {"a":"],\"["} , 2,[3,{"b":[]}] , "x" ] "#.utf8)
        let ranges = try #require(StrictJSON.arrayElements(text))
        #expect(ranges.map { String(decoding: text[$0], as: UTF8.self) } == [#"{"a":"],\"["}"#, "2", #"[3,{"b":[]}]"#, #""x""#])
        #expect(StrictJSON.arrayElements(Array("[]".utf8)) == [])
        #expect(StrictJSON.arrayElements(Array(#"[1,]"#.utf8)) == nil)
        #expect(StrictJSON.arrayElements(Array(#"[1"#.utf8)) == nil)
        #expect(StrictJSON.arrayElements(Array(#"{"a":1}"#.utf8)) == nil)
        #expect(StrictJSON.arrayElements(Array(#"[1] 2"#.utf8)) == nil)
        var withBadByte = Array(#"[{"a":"#.utf8)
        withBadByte += [0x22, 0xFF, 0x22]
        withBadByte += Array(#"},{"b":1}]"#.utf8)
        #expect(StrictJSON.arrayElements(withBadByte)?.count == 2)
    }
}
