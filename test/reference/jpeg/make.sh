#!/bin/sh
# Regenerates the fixtures (needs cjpeg from libjpeg-turbo and node).
set -e
cd "$(dirname "$0")"
S=$(mktemp --suffix=.ppm)
node -e "
const w=45,h=29;const b=Buffer.alloc(w*h*3);
for(let y=0;y<h;y++)for(let x=0;x<w;x++)for(let k=0;k<3;k++){const v=128+90*Math.sin(x*(0.21+0.1*k)+y*(0.13+0.07*k)+k)+25*Math.sin(x*y*0.05+k*2);b[(y*w+x)*3+k]=Math.max(0,Math.min(255,Math.round(v)));}
require('fs').writeFileSync('$S',Buffer.concat([Buffer.from('P6\n'+w+' '+h+'\n255\n'),b]));"
SC=$(mktemp); printf '0;\n1;\n2;\n' > "$SC"
q="-quality 85"
cjpeg $q -sample 2x1,1x1,1x1 -outfile s422.jpg "$S"
cjpeg $q -sample 1x2,1x1,1x1 -outfile s440.jpg "$S"
cjpeg $q -sample 4x1,1x1,1x1 -outfile s411.jpg "$S"
cjpeg $q -sample 1x4,1x1,1x1 -outfile s14.jpg "$S"
cjpeg $q -sample 4x2,1x1,1x1 -outfile s42.jpg "$S"
cjpeg $q -sample 3x1,1x1,1x1 -outfile s31.jpg "$S"
cjpeg $q -sample 1x1,2x2,2x2 -outfile s_chroma_bigger.jpg "$S"
cjpeg $q -sample 2x2,1x1,2x1 -outfile s_mixed.jpg "$S"
cjpeg $q -sample 2x2,1x1,1x1 -restart 1 -outfile restart_row.jpg "$S"
cjpeg $q -sample 2x1,1x1,1x1 -restart 3B -outfile restart_3mcu.jpg "$S"
cjpeg $q -sample 2x2,1x1,1x1 -progressive -restart 2B -outfile prog_restart.jpg "$S"
cjpeg $q -sample 2x1,1x1,1x1 -scans "$SC" -outfile noninterleaved.jpg "$S"
cjpeg $q -rgb -outfile rgb.jpg "$S"
cjpeg $q -grayscale -sample 2x2 -outfile gray_2x2.jpg "$S"
cjpeg $q -arithmetic -outfile arith.jpg "$S"
cjpeg $q -progressive -arithmetic -outfile arith_prog.jpg "$S"
rm -f "$S" "$SC"
