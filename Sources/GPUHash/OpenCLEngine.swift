import COpenCL
import HashKit
