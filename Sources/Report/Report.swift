import HashKit
import CCairo
