/* Prints, for each file argument, what the C decoders make of it, in the same line format as
 * fuzz/differential.py's Pillow side: "<path> OK <w> <h> <crc32 of convert('RGB')> <crc32 of
 * convert('L')> <warnings>" or "<path> ERR <status> <message>". The pixel limit is Pillow's. */
#include "ccodecs_decode.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
 static unsigned char buf[1 << 26];
 for(int a=1;a<argc;a++){ FILE*f=fopen(argv[a],"rb"); if(!f){printf("%s ERR -1 cannot open\n",argv[a]); continue;} size_t n=fread(buf,1,sizeof buf,f); fclose(f);
 cc_decoder*d=cc_decoder_create(); cc_header h; int st=cc_decoder_read_header(d,buf,n,178956970ull,&h);
 if(st){ printf("%s ERR %d %s\n",argv[a],st,cc_decoder_message(d)); cc_decoder_destroy(d); continue;}
 size_t np=(size_t)h.width*h.height; size_t sz=np*h.channels; unsigned char*p=malloc(sz); st=cc_decoder_decode(d,p,sz);
 if(st){ printf("%s ERR %d %s\n",argv[a],st,cc_decoder_message(d)); free(p); cc_decoder_destroy(d); continue;}
 unsigned char*rgb=malloc(np*3),*l=malloc(np);
 for(size_t i=0;i<np;i++){ if(h.channels==1){rgb[3*i]=rgb[3*i+1]=rgb[3*i+2]=l[i]=p[i];} else {memcpy(rgb+3*i,p+3*i,3); l[i]=(19595u*p[3*i]+38470u*p[3*i+1]+7471u*p[3*i+2]+32768u)>>16;}}
 printf("%s OK %u %u %u %u %d\n",argv[a],h.width,h.height,cc_crc32(0,rgb,np*3),cc_crc32(0,l,np),cc_decoder_warning_total(d));
 free(p);free(rgb);free(l);cc_decoder_destroy(d);} return 0;}
