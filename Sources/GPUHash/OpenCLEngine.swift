import HashKit
import COpenCL
