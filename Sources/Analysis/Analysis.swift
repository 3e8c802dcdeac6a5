import HashKit
