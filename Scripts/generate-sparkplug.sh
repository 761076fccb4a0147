#!/bin/sh
# Regenerates Sources/SparInterchange/Sparkplug/Sparkplug_b.pb.swift from sparkplug_b.proto with protoc and
# protoc-gen-swift built from swift-protobuf at the version Package.swift resolves (1.39.0).
#
#   Scripts/generate-sparkplug.sh            # builds protoc-gen-swift in a temporary clone first
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift Scripts/generate-sparkplug.sh
#
# SWIFT_PROTOBUF_REPO overrides where swift-protobuf is cloned from (default: GitHub).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/Sources/SparInterchange/Sparkplug"
version=1.39.0
repo=${SWIFT_PROTOBUF_REPO:-https://github.com/apple/swift-protobuf.git}

command -v protoc >/dev/null || { echo "protoc not found (Debian: apt-get install protobuf-compiler)" >&2; exit 1; }

if [ -z "${PROTOC_GEN_SWIFT:-}" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    git clone -q "$repo" "$work/swift-protobuf"
    git -C "$work/swift-protobuf" -c advice.detachedHead=false checkout -q "$version"
    swift build -c release --package-path "$work/swift-protobuf" --product protoc-gen-swift >&2
    PROTOC_GEN_SWIFT="$work/swift-protobuf/.build/release/protoc-gen-swift"
fi

protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" --proto_path="$dir" \
    --swift_opt=Visibility=Internal --swift_out="$dir" "$dir/sparkplug_b.proto"

out="$dir/sparkplug_b.pb.swift"
final="$dir/Sparkplug_b.pb.swift"
mv "$out" "$final"
echo "wrote $final" >&2
